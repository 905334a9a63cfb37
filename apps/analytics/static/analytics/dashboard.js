// Dasbor: the lurah's map of laporan warga and the kota's choropleth of its kelurahan.
(function () {
  "use strict";
  if (typeof L === "undefined") return;
  function num(value) { var n = parseFloat(value); return isNaN(n) ? null : n; }
  function base(el, zoom) {
    var map = L.map(el).setView([num(el.dataset.lat) || -7.63, num(el.dataset.lng) || 111.53], zoom);
    KotaKitaBasemap.add(map, el);
    return map;
  }
  function text(tag, value) { var node = document.createElement(tag); node.textContent = value; return node; }

  var points = document.getElementById("report-points");
  if (points) {
    var map = base(points, 15);
    fetch(points.dataset.geojson, { headers: { Accept: "application/json" }, credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (!data.features || !data.features.length) return;
        var layer = L.geoJSON(data, {
          pointToLayer: function (f, latlng) {
            return L.circleMarker(latlng, { radius: 7, weight: 2, color: f.properties.open ? "#e65100" : "#2e7d32", fillOpacity: 0.6 });
          },
          onEachFeature: function (f, l) {
            var box = document.createElement("div");
            box.appendChild(text("strong", f.properties.category));
            box.appendChild(document.createElement("br"));
            box.appendChild(document.createTextNode(f.properties.status_label));
            l.bindPopup(box);
          }
        }).addTo(map);
        map.fitBounds(layer.getBounds(), { maxZoom: 17, padding: [20, 20] });
      });
  }

  var choro = document.getElementById("choropleth");
  var source = document.getElementById("choropleth-data");
  if (choro && source) {
    var cmap = base(choro, 13);
    var shapes = JSON.parse(source.textContent);
    if (shapes.features.length) {
      var areas = L.geoJSON(shapes, {
        style: function (f) { return { color: "#555", weight: 1, fillColor: f.properties.warna, fillOpacity: 0.8 }; },
        onEachFeature: function (f, l) {
          var box = document.createElement("div");
          box.appendChild(text("strong", f.properties.nama));
          box.appendChild(document.createElement("br"));
          box.appendChild(document.createTextNode(f.properties.nilai));
          l.bindPopup(box);
          // Hover (mouse) shows name and figure at once; a tap opens the popup above.
          l.bindTooltip(f.properties.nama + ": " + f.properties.nilai, { sticky: true });
        }
      }).addTo(cmap);
      cmap.fitBounds(areas.getBounds());
    }
  }
})();
