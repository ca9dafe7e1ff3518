"""One client process of the mixed load test: reads and writes against a server, prints what was acknowledged.

Usage: ``python load_client.py URL TOKEN CLIENT_NUMBER ROUNDS``. Each round creates a border
gate, adds a statistics row, reads a page and the new feature, and updates the feature with
If-Match (retrying on 412). The JSON printed at the end lists every acknowledged write.
"""

from __future__ import annotations

import json
import sys
from collections import Counter
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from tests.editing.conftest import MERGE_PATCH, STAT_ROW, new_gate


def _round(http: httpx.Client, client: int, number: int, done: dict[str, list[str]], statuses: Counter) -> None:
    fid = f"load-{client}-{number}"
    response = http.post("/collections/border_gates/items", json=new_gate(fid))
    statuses[response.status_code] += 1
    if response.status_code == 201:
        done["created"].append(fid)
    row = {**STAT_ROW, "year": str(2150 + number), "period": "FY", "basis": "estimate", "variant": str(client)}
    response = http.post("/collections/statistics/items", json=[row])
    statuses[response.status_code] += 1
    if response.status_code == 200:
        done["rows"].append(f"{row['year']}/{row['variant']}")
    statuses[http.get("/collections/border_gates/items", params={"limit": 50}).status_code] += 1
    for _ in range(5):
        etag = http.get(f"/collections/border_gates/items/{fid}").headers.get("etag", "")
        patch = f'{{"properties": {{"status_note": "updated by {client}"}}}}'.encode()
        response = http.patch(f"/collections/border_gates/items/{fid}", content=patch,
                              headers={**MERGE_PATCH, "If-Match": etag})
        statuses[response.status_code] += 1
        if response.status_code == 204:
            done["updated"].append(fid)
            break


def main() -> None:
    url, token, client, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    done: dict[str, list[str]] = {"created": [], "rows": [], "updated": []}
    statuses: Counter[int] = Counter()
    with httpx.Client(base_url=url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:
        for number in range(rounds):
            _round(http, client, number, done, statuses)
    print(json.dumps({**done, "statuses": {str(k): v for k, v in statuses.items()}}))


if __name__ == "__main__":
    main()
