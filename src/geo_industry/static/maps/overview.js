/* The investor-first overview (geo_industry.maps.overview): zone names that do not collide,
 * a legend that never covers the layer switcher, compact controls on a phone.
 *
 * window.giZoneLabels(map, labels): labels = [{v: marker variable, n: name, z: first zoom}],
 * most important first. After every move, zoom or layer change the names of the markers shown
 * on the map (not hidden in a cluster) are placed beside their symbols; a name overlapping one
 * placed before it is hidden. The names shown are window.giShownLabels.
 *
 * window.giFitLegend(map): keeps the legend (under the layer switcher, top right) above the
 * bottom-right controls and collapses it on small screens.
 */
(function () {
  "use strict";

  var SMALL_SCREEN = "(max-width: 600px)";

  function overlaps(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  window.giZoneLabels = function (map, labels) {
    var group = L.layerGroup().addTo(map), pending = false;

    function shown(layer) {
      return layer && map.hasLayer(layer) && layer.getLatLng && map.getBounds().contains(layer.getLatLng());
    }

    function place() {
      pending = false;
      group.clearLayers();
      var zoom = map.getZoom(), placed = [], names = [];
      labels.forEach(function (label) {
        var layer = window[label.v];
        if (zoom < label.z || !shown(layer)) { return; }
        var span = document.createElement("span");
        span.className = "gi-zone-label";
        span.textContent = label.n;
        var icon = L.divIcon({className: "gi-zone-label-icon", html: span.outerHTML, iconSize: [1, 1],
                              iconAnchor: [0, 0]});
        var marker = L.marker(layer.getLatLng(), {icon: icon, interactive: false, keyboard: false});
        group.addLayer(marker);
        var element = marker.getElement().firstChild, box = element.getBoundingClientRect();
        if (placed.some(function (other) { return overlaps(box, other); })) {
          group.removeLayer(marker);
          return;
        }
        placed.push(box);
        names.push(label.n);
      });
      window.giShownLabels = names;
    }

    function later() {
      if (!pending) { pending = true; window.requestAnimationFrame(place); }
    }

    map.on("zoomend moveend overlayadd overlayremove", later);
    map.on("layeradd", function (e) { if (e.layer.getLatLng && !group.hasLayer(e.layer)) { later(); } });
    map.whenReady(place);
  };

  window.giFitLegend = function (map) {
    var container = map.getContainer();
    var legend = container.querySelector(".gi-legend"), details = legend && legend.querySelector("details");
    var find = container.querySelector(".gi-find-body");
    if (details && window.matchMedia(SMALL_SCREEN).matches) { details.open = false; }

    // the room between a control's top and the controls at the bottom of its side of the map
    function room(element, side) {
      var top = 0, node = element;
      while (node && node !== container) { top += node.offsetTop; node = node.offsetParent; }
      var bottom = container.querySelector(".leaflet-bottom.leaflet-" + side);
      return Math.max(container.clientHeight - top - (bottom ? bottom.offsetHeight : 0) - 20, 48);
    }

    function fit() {
      if (legend) { legend.style.maxHeight = room(legend, "right") + "px"; }
      if (find) { find.style.maxHeight = room(find, "left") + "px"; }
    }

    if (window.ResizeObserver) {
      var watch = new ResizeObserver(fit);
      watch.observe(container);
      container.querySelectorAll(".leaflet-top, .leaflet-bottom").forEach(function (corner) { watch.observe(corner); });
    }
    map.on("resize", fit);
    fit();
  };
})();
