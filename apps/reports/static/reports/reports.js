// Laporan warga: the public map of reports. (The new-report form picks its point with the shared
// picker, static/js/map-picker.js.)
(function () {
  "use strict";
  if (typeof L === "undefined") return;

  function num(value) { var n = parseFloat(value); return isNaN(n) ? null : n; }
  function tiles(map, el) { KotaKitaBasemap.add(map, el); }

  // --- public map ---
  var board = document.getElementById("report-map");
  if (board) {
    var center = [num(board.dataset.lat) || -7.63, num(board.dataset.lng) || 111.53];
    var big = L.map(board).setView(center, 15);
    tiles(big, board);
    fetch(board.dataset.geojson, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        var layer = L.geoJSON(data, {
          pointToLayer: function (feature, latlng) {
            var open = feature.properties.open;
            return L.circleMarker(latlng, { radius: 8, weight: 2, color: open ? "#e65100" : "#2e7d32", fillOpacity: 0.6 });
          },
          onEachFeature: function (feature, layer) {
            var p = feature.properties, box = document.createElement("div");
            var title = document.createElement("strong"); title.textContent = p.category; box.appendChild(title);
            box.appendChild(document.createElement("br"));
            box.appendChild(document.createTextNode(p.code + " · " + p.status_label));
            box.appendChild(document.createElement("br"));
            var link = document.createElement("a"); link.href = p.url; link.textContent = board.dataset.openLabel; box.appendChild(link);
            layer.bindPopup(box);
          }
        }).addTo(big);
        board.dataset.count = String(data.features.length);
        if (data.features.length) { big.fitBounds(layer.getBounds(), { maxZoom: 17, padding: [20, 20] }); }
      });
  }
})();
