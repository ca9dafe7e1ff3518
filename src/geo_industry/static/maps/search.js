/* The search box of a map (geo_industry.maps.controls.SearchControl).
 *
 * index: [{n: label, s: extra folded text, v: Leaflet variable (none: no position), g/o: position in
 * groups of its marker cluster / overlay, l: giLayers key a served page waits for, f: feature ids in
 * a GeoJSON layer, w: positions in kinds}], kinds: [[label in the page language, words in every
 * language]], text: {placeholder, hint (the box's title), none, unlocated, searching, failed}.
 * Choosing a result opens its popup and rings it.
 * Layers the page does not carry site by site (drawn from vector tiles) put searchers in
 * window.giRemoteSearch: {find(tokens) → a promise of [{label, kind, located}], open(hit, map)}.
 * Once the user pauses typing they are asked, and their results follow the page's own, as text.
 */
(function () {
  "use strict";

  window.giSearch = function (map, index, kinds, groups, text) {
    var found = L.layerGroup().addTo(map), shown = null, shownPopup = null, ticket = 0, timer = null;
    var PAUSE_MS = 250;  // a pause in typing after which the searchers are asked
    function fold(t) {
      return t.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/\u0111/g, "d");
    }
    index.forEach(function (e) {
      e.g = e.g === undefined ? "" : groups[e.g];
      e.o = e.o === undefined ? "" : groups[e.o];
      e.k = (e.w || []).map(function (i) { return kinds[i][0]; }).join(" · ");
      e.s = [fold(e.n), e.s || ""].concat((e.w || []).map(function (i) { return kinds[i][1]; })).join(" ");
    });
    function cjk(t) { return /[\u3400-\u9fff\uf900-\ufaff]/.test(t); }
    function matches(e, tokens) {
      return tokens.every(function (t) {
        return e.s.indexOf(t) >= 0 || (cjk(t) && t.split("").every(function (c) { return e.s.indexOf(c) >= 0; }));
      });
    }
    function rank(e, q) { var n = fold(e.n); return n.indexOf(q) === 0 ? 0 : n.indexOf(q) >= 0 ? 1 : 2; }
    function find(e) {
      var layer = e.v ? window[e.v] : null, parts = [];
      if (!layer) { return null; }
      if (!e.f) { return [layer]; }
      layer.eachLayer(function (l) { if (e.f.indexOf(l.feature.properties.id) >= 0) { parts.push(l); } });
      return parts.length ? parts : null;
    }
    // a served page draws fetched layers after load: wait for the loader's event
    function whenDrawn(e, then) {
      var layers = find(e);
      if (layers) { then(layers); return; }
      document.addEventListener("gi-layer-drawn", function on(ev) {
        var again = find(e);
        if (again) { document.removeEventListener("gi-layer-drawn", on); then(again); }
      });
    }
    function middle(layer) {
      var ll = layer.getLatLngs ? layer.getLatLngs() : [];
      while (ll.length && Array.isArray(ll[0])) {
        ll = ll.reduce(function (a, b) { return b.length > a.length ? b : a; });
      }
      return ll.length ? ll[Math.floor(ll.length / 2)] : layer.getBounds().getCenter();
    }
    function highlight(layers) {
      found.clearLayers();
      layers.forEach(function (l) {
        var halo = {interactive: false, className: "gi-found", color: "#ffd400", fill: false};
        found.addLayer(l.getLatLng
          ? L.circleMarker(l.getLatLng(), L.extend({radius: 17, weight: 4}, halo))
          : L.geoJSON(l.toGeoJSON(), L.extend({style: function () { return {weight: 10, opacity: 0.5}; }}, halo)));
      });
    }
    function show(e, layers, first, at) {
      if (shown !== e) { return; }
      // one result at a time: the previous result's popup may not close by itself (autoClose off)
      if (shownPopup && map.hasLayer(shownPopup)) { map.closePopup(shownPopup); }
      if (e.f) {  // one feature of a GeoJSON layer whose popup is bound on the layer: open it as a click would
        first.fire("click", {latlng: at}, true);
        shownPopup = window[e.v].getPopup();
      } else {
        if (at) { first.openPopup(at); } else { first.openPopup(); }
        shownPopup = first.getPopup();
      }
      highlight(layers);
    }
    function open(e, layers) {
      var group = e.o ? window[e.o] : null, first = layers[0];
      if (group && !map.hasLayer(group)) { map.addLayer(group); }
      shown = e;
      if (e.g) {
        // stop whatever the map is animating (the previous popup's auto-pan) and centre the marker,
        // then let the cluster group zoom or spiderfy until the marker is drawn
        map.setView(first.getLatLng(), map.getZoom(), {animate: false});
        window[e.g].zoomToShowLayer(first, function () { show(e, layers, first); });
      } else if (first.getLatLng) {
        map.setView(first.getLatLng(), Math.max(map.getZoom(), 12), {animate: false});
        show(e, layers, first);
      } else {
        map.fitBounds(L.featureGroup(layers).getBounds(), {maxZoom: 13, animate: false});
        show(e, layers, first, middle(first.getLayers ? first.getLayers()[0] : first));
      }
    }
    function item(textContent, className) {
      var li = document.createElement("li");
      li.className = className;
      li.textContent = textContent;
      return li;
    }
    function cancelRemote() { ticket += 1; clearTimeout(timer); }
    function remoteItem(hit, searcher, list) {
      var li = item(hit.label, "gi-search-remote"), kind = document.createElement("span");
      kind.className = "gi-search-kind"; kind.textContent = hit.kind + (hit.located ? "" : " · " + text.unlocated);
      li.appendChild(kind);
      li.addEventListener("click", function (ev) {
        L.DomEvent.stop(ev);
        if (!hit.located) { return; }
        cancelRemote(); list.innerHTML = "";
        searcher.open(hit, map);
      });
      return li;
    }
    // ask the searchers of the layers the page does not carry, once the user pauses typing
    function searchRemote(tokens, list, localHits) {
      var searchers = window.giRemoteSearch || [], mine;
      cancelRemote();
      mine = ticket;
      if (!tokens.length || !searchers.length) { return; }
      var status = item(text.searching, "gi-search-none gi-search-pending");
      list.appendChild(status);
      timer = setTimeout(function () {
        Promise.all(searchers.map(function (s) { return s.find(tokens).catch(function () { return null; }); }))
          .then(function (answers) {
            if (mine !== ticket) { return; }
            list.removeChild(status);
            var shownHits = 0;
            answers.forEach(function (hits, i) {
              if (hits === null) { list.appendChild(item(text.failed, "gi-search-none")); return; }
              hits.forEach(function (hit) { list.appendChild(remoteItem(hit, searchers[i], list)); shownHits += 1; });
            });
            if (!localHits && !shownHits && answers.indexOf(null) < 0) {
              list.appendChild(item(text.none, "gi-search-none"));
            }
          });
      }, PAUSE_MS);
    }
    function choose(e, list) {
      cancelRemote();
      list.innerHTML = "";
      if (!e.v) {
        var li = document.createElement("li");
        li.className = "gi-search-none";
        li.textContent = e.n + " – " + text.unlocated;
        list.appendChild(li);
        return;
      }
      whenDrawn(e, function (layers) { open(e, layers); });
    }
    map.on("popupclose", function (ev) {
      if (ev.popup === shownPopup) { found.clearLayers(); shownPopup = null; }
    });
    var control = L.control({position: "topleft"});
    control.onAdd = function () {
      var div = L.DomUtil.create("div", "gi-search leaflet-control");
      var input = document.createElement("input"), list = document.createElement("ul");
      input.type = "search"; input.placeholder = text.placeholder; input.setAttribute("aria-label", text.placeholder);
      input.title = text.hint;
      div.appendChild(input); div.appendChild(list);
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      input.addEventListener("input", function () {
        var q = fold(input.value.trim()), tokens = q.split(/\s+/).filter(Boolean);
        list.innerHTML = "";
        cancelRemote();
        if (!tokens.length) { return; }
        var hits = index.filter(function (e) { return matches(e, tokens); });
        hits.sort(function (a, b) { return rank(a, q) - rank(b, q) || (a.v ? 0 : 1) - (b.v ? 0 : 1); });
        if (!hits.length && !(window.giRemoteSearch || []).length) {
          list.appendChild(item(text.none, "gi-search-none"));
        }
        hits.slice(0, 15).forEach(function (e) {
          var li = document.createElement("li"), kind = document.createElement("span");
          li.textContent = e.n;
          kind.className = "gi-search-kind"; kind.textContent = e.k + (e.v ? "" : " · " + text.unlocated);
          li.appendChild(kind);
          // the list is emptied before the click bubbles: stop it here, or the map takes it for a
          // click on the map (the item is no longer inside the control) and closes the popup
          li.addEventListener("click", function (ev) { L.DomEvent.stop(ev); choose(e, list); });
          list.appendChild(li);
        });
        searchRemote(tokens, list, hits.length);
      });
      return div;
    };
    control.addTo(map);
  };
})();
