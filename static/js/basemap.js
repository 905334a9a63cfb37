// Base layer for every Leaflet map: the configured tiles (MAP_TILES_URL) and, when they cannot
// load (offline, blocked, a dead tile server) or are switched off (MAP_TILES_URL empty), the
// Kota Madiun kelurahan boundaries drawn as vectors with their names, plus a short note, so a
// map is never just a grey box. Map scripts call KotaKitaBasemap.add(map, element); the
// element's data-tiles / data-attribution come from the settings. No inline script anywhere
// (CSP): the boundary URL and the note's text are data- attributes of this script's tag.
(function () {
  "use strict";
  var script = document.currentScript;
  var boundariesUrl = script ? script.dataset.boundaries : "";
  var noteText = (script && script.dataset.note) || "Peta dasar tidak dapat dimuat; menampilkan batas wilayah saja.";
  var boundaries = null;

  function loadBoundaries() {
    if (!boundaries) {
      boundaries = fetch(boundariesUrl, { headers: { Accept: "application/geo+json" }, credentials: "same-origin" })
        .then(function (r) { if (!r.ok) { throw new Error("boundaries " + r.status); } return r.json(); });
    }
    return boundaries;
  }

  function showNote(el) {
    var note = document.createElement("p");
    note.className = "basemap-note";
    note.setAttribute("role", "status");
    note.setAttribute("data-testid", "basemap-note");
    var small = document.createElement("small");
    small.textContent = noteText;
    note.appendChild(small);
    if (el.parentNode) { el.parentNode.insertBefore(note, el.nextSibling); }
  }

  function fallback(map, el) {
    if (el.getAttribute("data-basemap") === "boundaries") { return; }
    el.setAttribute("data-basemap", "boundaries");
    el.classList.add("basemap-offline");
    showNote(el);
    loadBoundaries().then(function (data) {
      var layer = L.geoJSON(data, {
        interactive: false,
        style: function () { return { color: "#33691e", weight: 1.5, fillColor: "#dcedc8", fillOpacity: 0.45 }; },
        onEachFeature: function (feature, shape) {
          shape.bindTooltip(String(feature.properties.nama || ""), {
            permanent: true, direction: "center", className: "basemap-label", opacity: 0.85
          });
        }
      }).addTo(map);
      layer.bringToBack();
      el.setAttribute("data-boundaries", "shown");
      if (!map._loaded) { map.fitBounds(layer.getBounds()); }
    }).catch(function (err) {
      el.setAttribute("data-boundaries", "failed");
      if (window.console) { console.warn("KotaKita: kelurahan boundaries could not be loaded", err); }
    });
  }

  function add(map, el) {
    var url = el.dataset.tiles;
    if (!url) { fallback(map, el); return null; }
    var tiles = L.tileLayer(url, { maxZoom: 19, attribution: el.dataset.attribution });
    tiles.on("tileerror", function () { fallback(map, el); });
    tiles.addTo(map);
    return tiles;
  }

  window.KotaKitaBasemap = { add: add };
})();
