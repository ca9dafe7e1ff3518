/* "Find a site" panel of the overview (geo_industry.maps.findsite.FindSitePanel).
 *
 * window.giFindSite(map, data): data = {sites: [record], rankings: {profile: {id: [rank, score,
 * [[criterion, points]], placeholders, excluded]}}, text: labels, lang}. Each filter keeps the
 * sites the equivalent CQL2 query on the API keeps: area_ha >= min, area_ha <= max, sector
 * containing the words (case-insensitive), status = s, dist_<criterion>_km < km,
 * former_province = p; a site without the value a filter reads is left out. The results are
 * listed (by rank when a profile is chosen, else by name), each explained, and circled on the map.
 * window.giFindSiteResults holds the ids listed; window.giFindSiteFilter(filters) applies filters
 * given as {area_min, area_max, sector, status, province, border_gate, railway, national_road,
 * profile} and returns those ids.
 */
(function () {
  "use strict";

  var DISTANCES = ["border_gate", "railway", "national_road"];

  function el(tag, attrs, text) {
    var e = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { e.setAttribute(k, attrs[k]); });
    if (text !== undefined && text !== null) { e.textContent = text; }
    return e;
  }

  function number(value) {
    if (value === "" || value === null || value === undefined) { return null; }
    var n = Number(value);
    return isFinite(n) ? n : null;
  }

  function format(value, lang) {
    return Number(value).toLocaleString(lang === "zh-CN" ? "zh-CN" : lang, {maximumFractionDigits: 1});
  }

  function keep(site, f) {
    if (f.area_min !== null && !(site.a !== null && site.a >= f.area_min)) { return false; }
    if (f.area_max !== null && !(site.a !== null && site.a <= f.area_max)) { return false; }
    if (f.sector && site.sec.toLowerCase().indexOf(f.sector.toLowerCase()) < 0) { return false; }
    if (f.status && site.st !== f.status) { return false; }
    if (f.province && site.fp !== f.province) { return false; }
    return DISTANCES.every(function (c) {
      return f[c] === null || (site[c] !== null && site[c] < f[c]);
    });
  }

  window.giFindSite = function (map, data) {
    var text = data.text, sites = data.sites, rankings = data.rankings, lang = data.lang;
    var halos = L.layerGroup().addTo(map), inputs = {}, list, count;

    function distanceText(site, c) {
      if (site[c] === null) { return text.distances[c] + ": " + text.distance_unknown; }
      var u = site[c + "_u"] ? " ± " + format(site[c + "_u"], lang) : "";
      return text.criteria[c] + ": " + format(site[c], lang) + u + " km";
    }

    function explain(site, place) {
      var lines = [];
      if (place) {
        var points = place[2].slice().sort(function (a, b) { return b[1] - a[1]; }).map(function (c) {
          return (text.criteria[c[0]] || c[0]) + " +" + format(c[1], lang);
        });
        lines.push("#" + place[0] + " · " + text.score.replace("{score}",
          place[1] === null ? "–" : format(place[1], lang)) + (points.length ? ": " + points.join(", ") : ""));
        if (place[4] && place[4].length) { lines.push(text.excluded + ": " + place[4].join(", ")); }
      }
      lines.push(DISTANCES.map(function (c) { return distanceText(site, c); }).join(" · "));
      return lines;
    }

    function placeholderText(site, place) {
      var names = (place ? place[3] : site.ph).map(function (c) { return text.criteria[c] || c; });
      return names.length ? text.placeholder + ": " + names.join(", ") : "";
    }

    function reveal(site) {
      var layer = window[site.v];
      if (site.ll) { map.setView(site.ll, Math.max(map.getZoom(), 12), {animate: false}); }
      if (layer && layer.openPopup && map.hasLayer(layer)) { layer.openPopup(); }
    }

    function read() {
      var f = {area_min: number(inputs.area_min.value), area_max: number(inputs.area_max.value),
               sector: inputs.sector.value.trim(), status: inputs.status.value, province: inputs.province.value,
               profile: inputs.profile.value};
      DISTANCES.forEach(function (c) { f[c] = number(inputs[c].value); });
      return f;
    }

    function show(f) {
      var ranking = f.profile ? rankings[f.profile] || {} : null;
      var found = sites.filter(function (s) { return keep(s, f); });
      found.sort(function (a, b) {
        if (ranking) {
          var ra = ranking[a.id] ? ranking[a.id][0] : 1e9, rb = ranking[b.id] ? ranking[b.id][0] : 1e9;
          if (ra !== rb) { return ra - rb; }
        }
        return a.n.localeCompare(b.n, lang);
      });
      list.innerHTML = "";
      halos.clearLayers();
      found.forEach(function (site) {
        var place = ranking ? ranking[site.id] : null;
        var li = el("li", {"data-id": site.id});
        var head = el("button", {type: "button", "class": "gi-find-name"}, site.n);
        head.addEventListener("click", function () { reveal(site); });
        li.appendChild(head);
        var facts = [text.statuses[site.st] || site.st];
        if (site.a !== null) { facts.push(format(site.a, lang) + " " + text.ha); }
        if (site.fp) { facts.push(text.provinces[site.fp] || site.fp); }
        li.appendChild(el("div", {"class": "gi-find-facts"}, facts.join(" · ")));
        explain(site, place).forEach(function (line) { li.appendChild(el("div", {"class": "gi-find-why"}, line)); });
        var flag = placeholderText(site, place);
        if (flag) { li.appendChild(el("div", {"class": "gi-badge gi-find-placeholder"}, flag)); }
        if (site.sec) {
          var sector = el("div", {"class": "gi-find-sector"});
          sector.appendChild(el("span", {lang: "en"}, site.sec));
          if (lang !== "en") { sector.appendChild(el("span", {"class": "gi-lang-tag"}, text.sector_lang)); }
          li.appendChild(sector);
        }
        var link = el("a", {href: site.u}, text.fact_sheet);
        li.appendChild(link);
        list.appendChild(li);
        if (site.ll) {
          halos.addLayer(L.circleMarker(site.ll, {radius: 15, weight: 4, color: "#ffb000", fill: false,
                                                  interactive: false, className: "gi-find-halo"}));
        }
      });
      count.textContent = found.length ? text.results.replace("{count}", found.length) : text.no_results;
      window.giFindSiteResults = found.map(function (s) { return s.id; });
      return window.giFindSiteResults;
    }

    function field(box, key, label, control) {
      var row = el("label", {"class": "gi-find-row"});
      row.appendChild(el("span", {}, label));
      row.appendChild(control);
      box.appendChild(row);
      control.setAttribute("name", key);
      inputs[key] = control;
      control.addEventListener(control.tagName === "SELECT" ? "change" : "input", function () { show(read()); });
    }

    function select(options) {
      var s = el("select");
      options.forEach(function (o) { var opt = el("option", {value: o[0]}, o[1]); s.appendChild(opt); });
      return s;
    }

    var control = L.control({position: "topleft"});
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "gi-find leaflet-control");
      var details = el("details"), summary = el("summary", {}, text.title), box = el("div", {"class": "gi-find-body"});
      details.appendChild(summary);
      details.appendChild(box);
      div.appendChild(details);
      var profiles = [["", text.profile_none]].concat(Object.keys(rankings).map(function (p) {
        return [p, text.profiles[p] || p]; }));
      field(box, "profile", text.profile, select(profiles));
      field(box, "area_min", text.area_min, el("input", {type: "number", min: "0", inputmode: "decimal"}));
      field(box, "area_max", text.area_max, el("input", {type: "number", min: "0", inputmode: "decimal"}));
      field(box, "sector", text.sector, el("input", {type: "search"}));
      var statuses = [["", text.any]].concat(Object.keys(text.statuses).map(function (s) { return [s, text.statuses[s]]; }));
      field(box, "status", text.status, select(statuses));
      DISTANCES.forEach(function (c) {
        field(box, c, text.distances[c], el("input", {type: "number", min: "0", inputmode: "decimal"}));
      });
      var provinces = [["", text.any]].concat(Object.keys(text.provinces).map(function (p) { return [p, text.provinces[p]]; }));
      field(box, "province", text.province, select(provinces));
      var reset = el("button", {type: "button", "class": "gi-find-reset"}, text.reset);
      reset.addEventListener("click", function () {
        Object.keys(inputs).forEach(function (k) { inputs[k].value = ""; });
        show(read());
      });
      box.appendChild(reset);
      count = el("div", {"class": "gi-find-count", "aria-live": "polite"});
      box.appendChild(count);
      list = el("ol", {"class": "gi-find-results"});
      box.appendChild(list);
      details.addEventListener("toggle", function () {
        if (details.open) { show(read()); } else { halos.clearLayers(); }
      });
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    control.addTo(map);

    window.giFindSiteFilter = function (filters) {
      Object.keys(inputs).forEach(function (k) {
        var v = filters[k];
        inputs[k].value = v === undefined || v === null ? "" : String(v);
      });
      return show(read());
    };
  };
})();
