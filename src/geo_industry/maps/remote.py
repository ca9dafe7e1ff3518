"""Layers whose geometries the browser fetches from the API instead of the page embedding them.

The builder still decides everything per site (symbol, style, popup, tooltip, search entry);
only the coordinates stay on the server. :class:`RemoteLayer` carries those decisions keyed by
feature id with the items URL, and ``static/maps/remote-layers.js`` fetches the URL and adds
each feature to the group (and cluster) Folium created, under the variable name the search
control looks up.
"""

from __future__ import annotations

from typing import Any

from branca.element import Figure, JavascriptLink, MacroElement
from jinja2 import Template

SCRIPT = "remote-layers.js"
"""The loader, in ``geo_industry/static/maps``."""


class RemoteLayer(MacroElement):
    """The sites of one layer, drawn once the browser has fetched ``url``.

    Parameters
    ----------
    url
        The layer's items URL (GeoJSON; each feature's ``properties.id`` keys ``features``).
    group, points
        Folium variable names of the layer's group and of where its points go (the group or
        its marker cluster).
    layer_id
        Key of the layer in ``window.giLayers``; ``loaded`` is set there when it has been drawn.
    script_url
        URL of the loader script.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        window.giRemoteLayer({{ this.url|tojson }}, {{ this.layer_id|tojson }}, {{ this.group }},
          {{ this.points }}, {{ this.features|tojson }});
        {% endmacro %}
        """
    )

    def __init__(self, *, url: str, group: str, points: str, layer_id: str, script_url: str) -> None:
        super().__init__()
        self._name = "RemoteLayer"
        self.url = url
        self.group = group
        self.points = points
        self.layer_id = layer_id
        self.script_url = script_url
        self.features: dict[str, dict[str, Any]] = {}

    def add(self, feature_id: str, *, popup: str, tooltip: str, draw: dict[str, Any]) -> str:
        """Register one site; returns the global variable name its Leaflet layer will get.

        ``draw`` holds ``icon`` (DivIcon options) and optionally ``circle`` (options of an
        uncertainty circle) for a marker, or ``style`` (path options) for a line or polygon.
        """
        var = f"{self.get_name()}_{len(self.features)}"
        self.features[feature_id] = {"v": var, "p": popup, "t": tooltip, **draw}
        return var

    def render(self, **kwargs: Any) -> Any:
        """Render the call and put the loader script in the page header once."""
        figure = self.get_root()
        assert isinstance(figure, Figure), "RemoteLayer renders only inside a map's figure"
        figure.header.add_child(JavascriptLink(self.script_url), name="gi_remote_layers_js")
        return super().render(**kwargs)
