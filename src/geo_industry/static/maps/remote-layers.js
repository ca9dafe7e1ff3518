/* Draw a layer whose geometries come from the API (geo_industry.maps.remote.RemoteLayer).
 *
 * specs: {feature id: {v: global variable name, p: popup HTML, t: tooltip HTML,
 *         icon: L.divIcon options, ring: GeoJSON of the clipped uncertainty disc, ringStyle: its
 *         path options | style: path options}}.
 * Markers go to `points` (the group or its marker cluster), paths and rings to `group`,
 * each with the popup and tooltip the embedded page would bind. When done, the number drawn
 * is window.giLayers[layerId].loaded (and a "gi-layer-drawn" event is dispatched on the document),
 * or .failed holds the error.
 */
(function () {
  "use strict";

  function popup(html) {
    var div = document.createElement("div");
    div.style.width = "100.0%";
    div.style.height = "100.0%";
    div.innerHTML = html;
    return L.popup({maxWidth: 340}).setContent(div);
  }

  function draw(feature, spec, group, points) {
    var geometry = feature.geometry, layer;
    if (spec.icon) {
      var latlng = geometry.type === "Point"
        ? L.latLng(geometry.coordinates[1], geometry.coordinates[0])
        : L.geoJSON(geometry).getBounds().getCenter();
      layer = L.marker(latlng, {icon: L.divIcon(spec.icon)});
      points.addLayer(layer);
      if (spec.ring) {
        group.addLayer(L.geoJSON(spec.ring, {style: function () { return spec.ringStyle; }, interactive: false}));
      }
    } else {
      layer = L.geoJSON(feature, {style: function () { return spec.style; }});
      group.addLayer(layer);
    }
    layer.bindPopup(popup(spec.p));
    layer.bindTooltip("<div>" + spec.t + "</div>", {sticky: true});
    window[spec.v] = layer;  // the search control finds sites by this name
  }

  function record(layerId, key, value) {
    window.giLayers = window.giLayers || {};
    window.giLayers[layerId] = window.giLayers[layerId] || {};
    window.giLayers[layerId][key] = value;
  }

  window.giRemoteLayer = function (url, layerId, group, points, specs) {
    return fetch(url, {headers: {Accept: "application/geo+json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error(url + ": HTTP " + response.status); }
        return response.json();
      })
      .then(function (collection) {
        var drawn = 0;
        collection.features.forEach(function (feature) {
          var id = (feature.properties || {}).id, spec = specs[id];
          if (!spec || !feature.geometry) { return; }
          draw(feature, spec, group, points);
          drawn += 1;
        });
        record(layerId, "loaded", drawn);
        document.dispatchEvent(new CustomEvent("gi-layer-drawn", {detail: layerId}));  // the search waits for it
      })
      .catch(function (error) {
        record(layerId, "failed", String(error));
        console.error("geo-industry: layer " + layerId + " did not load: " + error);
      });
  };
})();
