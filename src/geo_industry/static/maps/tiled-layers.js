/* Draw a large layer from the API's vector tiles (geo_industry.maps.tiled.TiledLayer).
 *
 * url: tile URL template with {z}/{y}/{x}; layerId: the collection (the tiles' MVT layer);
 * group: the layer's Folium group; spec: {symbols: the layer's symbol rule as data (see below),
 * popup: {names: property names tried in order, statusLabel, statuses: {value: word}, featureUrl,
 * featureQuery, featureLabel}, minZoom: the first zoom drawn (a dense layer's lower zooms would ask
 * for huge tiles)}.
 * symbols (geo_industry.maps.tiled.symbol_table, from the same rule the page's markers use):
 * {field, values: {value: class} or bins: [[limit, class, limit included]] and above, otherwise: the
 * class of a missing or unknown value, classes: {class: Leaflet path options}, hollow: {field, values}
 * with hollowClasses, size: {field, base, factor, largest, missing}: radius base + factor·√value,
 * approximate: {qualityField, qualities, precisionField, precisions, precisionPrefixes} with
 * approximateClasses (and approximateHollowClasses): a site whose location is approximate is drawn
 * pale and dashed, never as if it were the site}.
 * search (when the page has the API and the layer name fields): {url: the items URL, fields: the name
 * fields matched, limit, title}: the layer's searcher joins window.giRemoteSearch (see search.js); it
 * asks for the sites whose names hold every token of the query, as a CQL2 filter in which the
 * user's text is only ever a quoted string with LIKE's wildcards escaped, and flies to the chosen one.
 * Popups (on click) and labels (on hover) are built from each feature's tile properties as text
 * nodes, never as HTML. window.giLayers[layerId] gets `tiles` (tiles loaded) and `drawn` (sites
 * in the loaded tiles), or `failed` when a tile could not be fetched.
 */
(function () {
  "use strict";

  function record(layerId, key, value) {
    window.giLayers = window.giLayers || {};
    window.giLayers[layerId] = window.giLayers[layerId] || {};
    window.giLayers[layerId][key] = value;
  }

  function present(value) {
    return value !== undefined && value !== null && value !== "";
  }

  function names(properties, spec) {
    var found = [];
    spec.names.forEach(function (key) {
      var value = properties[key];
      if (present(value) && found.indexOf(String(value)) < 0) { found.push(String(value)); }
    });
    return found;
  }

  function number(value) {
    if (typeof value === "number") { return isNaN(value) ? null : value; }
    if (typeof value === "boolean") { return Number(value); }
    if (typeof value !== "string" || value.trim() === "") { return null; }
    var parsed = Number(value);
    return isNaN(parsed) ? null : parsed;
  }

  // the class of a site: its property's value looked up, or its number placed in the bins
  function classOf(properties, table) {
    if (!table.field) { return table.otherwise; }
    var value = properties[table.field];
    if (table.bins) {
      var n = number(value);
      if (n === null) { return table.otherwise; }
      for (var i = 0; i < table.bins.length; i += 1) {
        var bin = table.bins[i];
        if (n < bin[0] || (bin[2] && n === bin[0])) { return bin[1]; }
      }
      return table.above;
    }
    var key = present(value) ? String(value) : "";
    return Object.prototype.hasOwnProperty.call(table.values, key) ? table.values[key] : table.otherwise;
  }

  function radius(value, scale) {
    var n = number(value);
    if (n === null || n <= 0) { return scale.missing; }
    return Math.round(Math.min(scale.base + scale.factor * Math.sqrt(n), scale.largest) * 10) / 10;
  }

  function text(value) { return present(value) ? String(value) : ""; }

  function isApproximate(properties, rule) {
    var precision = text(properties[rule.precisionField]);
    return rule.qualities.indexOf(text(properties[rule.qualityField])) >= 0 ||
      rule.precisions.indexOf(precision) >= 0 ||
      rule.precisionPrefixes.some(function (prefix) { return precision.indexOf(prefix) === 0; });
  }

  // Leaflet path options of one site from its tile properties
  function styleOf(properties, table) {
    var cls = classOf(properties, table);
    var hollow = !!table.hollow && table.hollow.values.indexOf(text(properties[table.hollow.field])) >= 0;
    var approximate = !!table.approximate && isApproximate(properties, table.approximate);
    var classes = approximate ? (hollow ? table.approximateHollowClasses : table.approximateClasses)
      : (hollow ? table.hollowClasses : table.classes);
    var style = L.extend({}, classes[cls]);
    if (table.size) { style.radius = radius(properties[table.size.field], table.size); }
    return style;
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }

  function popupContent(properties, spec) {
    var root = element("div", "gi-popup gi-tiled-popup"), found = names(properties, spec);
    root.setAttribute("data-id", present(properties.id) ? String(properties.id) : "");
    root.appendChild(element("strong", "", found[0] || ""));
    if (found.length > 2) { root.appendChild(element("div", "gi-other-name", found[1])); }
    if (present(properties.status)) {
      var status = spec.statuses[properties.status] || String(properties.status);
      root.appendChild(element("div", "", spec.statusLabel + ": " + status));
    }
    if (present(properties.id)) {
      var link = element("a", "", spec.featureLabel);
      link.href = spec.featureUrl + encodeURIComponent(String(properties.id)) + spec.featureQuery;
      root.appendChild(element("div")).appendChild(link);
    }
    return root;
  }

  // a CQL2 text literal: quotes doubled
  function cqlText(value) { return "'" + value.replace(/'/g, "''") + "'"; }

  // a LIKE pattern matching the token anywhere, its own %, _ and \ taken literally
  function containing(token) { return "%" + token.replace(/[\\%_]/g, "\\$&") + "%"; }

  function nameFilter(tokens, fields) {
    return tokens.map(function (token) {
      var pattern = cqlText(containing(token));
      return "(" + fields.map(function (field) {
        return "ACCENTI(CASEI(" + field + ")) LIKE " + pattern;
      }).join(" OR ") + ")";
    }).join(" AND ");
  }

  function hitOf(feature, search, spec) {
    var properties = L.extend({}, feature.properties || {});
    if (!present(properties.id) && present(feature.id)) { properties.id = feature.id; }
    return {label: names(properties, spec.popup)[0] || "", kind: search.title, located: !!feature.geometry,
            feature: feature, properties: properties};
  }

  function flyTo(map, geometry, minZoom) {
    if (geometry.type === "Point") {
      var point = L.latLng(geometry.coordinates[1], geometry.coordinates[0]);
      map.setView(point, Math.max(map.getZoom(), minZoom, 14), {animate: false});
      return point;
    }
    var bounds = L.geoJSON(geometry).getBounds();
    map.fitBounds(bounds, {maxZoom: 16, animate: false});
    if (map.getZoom() < minZoom) { map.setView(bounds.getCenter(), minZoom, {animate: false}); }
    return bounds.getCenter();
  }

  // what the search box asks for the layer's sites (tokens: the query folded, split on spaces)
  function searcher(layerId, group, spec) {
    var search = spec.search;
    return {
      find: function (tokens) {
        var query = new URLSearchParams({"filter": nameFilter(tokens, search.fields), "filter-lang": "cql2-text",
                                         "limit": String(search.limit)});
        return fetch(search.url + "?" + query.toString(), {headers: {Accept: "application/geo+json"}})
          .then(function (response) {
            if (!response.ok) { throw new Error("the search of " + layerId + " answered " + response.status); }
            return response.json();
          })
          .then(function (body) {
            return (body.features || []).map(function (feature) { return hitOf(feature, search, spec); });
          });
      },
      open: function (hit, map) {
        if (!map.hasLayer(group)) { map.addLayer(group); }
        var at = flyTo(map, hit.feature.geometry, spec.minZoom);
        L.popup({maxWidth: 340}).setLatLng(at).setContent(popupContent(hit.properties, spec.popup)).openOn(map);
        record(layerId, "found", hit.properties.id);
      }
    };
  }

  function countDrawn(grid) {
    var ids = {}, count = 0;
    Object.keys(grid._vectorTiles).forEach(function (key) {
      Object.keys(grid._vectorTiles[key]._features).forEach(function (id) {
        if (!ids[id]) { ids[id] = true; count += 1; }
      });
    });
    return count;
  }

  // Leaflet >= 1.7 places a small circle marker's events at getLatLng(), which VectorGrid 1.3's
  // points lack (they know only their pixel in the tile): give each point of a loaded tile its LatLng.
  function locatePoints(grid, coords) {
    var renderer = grid._vectorTiles[grid._tileCoordsToKey(coords)], size = grid.getTileSize();
    if (!renderer) { return; }
    Object.keys(renderer._features).forEach(function (id) {
      var feature = renderer._features[id].feature;
      if (feature._point && !feature._latlng) {
        feature._latlng = grid._map.unproject(coords.scaleBy(size).add(feature._point), coords.z);
      }
    });
  }

  window.giTiledLayer = function (url, layerId, group, spec) {
    var styles = {}, tiles = 0, label = null;
    styles[layerId] = function (properties) { return styleOf(properties || {}, spec.symbols); };
    var grid = L.vectorGrid.protobuf(url, {
      rendererFactory: L.svg.tile,
      vectorTileLayerStyles: styles,
      interactive: true,
      pane: "overlayPane",
      minZoom: spec.minZoom,
      getFeatureId: function (feature) { return feature.properties.id; },
      fetchOptions: {headers: {Accept: "application/vnd.mapbox-vector-tile"}}
    });
    grid.on("click", function (e) {
      L.DomEvent.stopPropagation(e);
      L.popup({maxWidth: 340}).setLatLng(e.latlng)
        .setContent(popupContent(e.layer.properties || {}, spec.popup)).openOn(grid._map);
    });
    grid.on("mouseover", function (e) {
      var text = names(e.layer.properties || {}, spec.popup)[0] || "";
      label = L.tooltip({sticky: true, direction: "top"}).setLatLng(e.latlng).setContent(element("div", "", text));
      grid._map.openTooltip(label);
    });
    grid.on("mouseout", function () {
      if (label) { grid._map.closeTooltip(label); label = null; }
    });
    grid.on("tileload", function (e) {
      locatePoints(grid, e.coords);
      tiles += 1;
      record(layerId, "tiles", tiles);
      record(layerId, "drawn", countDrawn(grid));
    });
    grid.on("tileerror", function (e) {
      record(layerId, "failed", "tile " + JSON.stringify(e.coords) + " did not load");
    });
    group.addLayer(grid);
    if (spec.search) {
      window.giRemoteSearch = window.giRemoteSearch || [];
      window.giRemoteSearch.push(searcher(layerId, group, spec));
    }
  };
  window.giTiledLayer.popupContent = popupContent;  // for tests of the escaping
  window.giTiledLayer.styleOf = styleOf;  // for tests of the symbols
  window.giTiledLayer.nameFilter = nameFilter;  // for tests of the escaping
})();
