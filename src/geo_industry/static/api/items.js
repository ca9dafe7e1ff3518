// The items page map: fetch the same request as GeoJSON and draw it with the vendored Leaflet.
(function () {
  "use strict";
  var element = document.getElementById("gi-map");
  if (!element || typeof L === "undefined") { return; }
  var map = L.map(element, { attributionControl: true });
  map.setView([22.3, 104.2], 8);
  var tiles = element.getAttribute("data-tiles");
  if (tiles) {  // only when the service is configured with an online basemap
    L.tileLayer(tiles, { maxZoom: 18, attribution: element.getAttribute("data-attribution") || "" }).addTo(map);
  }
  var style = { color: "#0b6e4f", weight: 2, fillOpacity: 0.25 };
  fetch(element.getAttribute("data-url"), { headers: { Accept: "application/geo+json" } })
    .then(function (response) { return response.json(); })
    .then(function (collection) {
      var layer = L.geoJSON(collection, {
        style: style,
        pointToLayer: function (feature, latlng) { return L.circleMarker(latlng, { radius: 6, color: "#0b6e4f" }); },
        onEachFeature: function (feature, featureLayer) {
          var props = feature.properties || {};
          var name = props.name_vi || props.name_en || feature.id;
          featureLayer.bindPopup("<strong></strong>");
          featureLayer.getPopup().setContent(document.createTextNode(name + " (" + feature.id + ")"));
        }
      }).addTo(map);
      var bounds = layer.getBounds();
      if (bounds.isValid()) { map.fitBounds(bounds, { maxZoom: 12, padding: [10, 10] }); }
    });
})();
