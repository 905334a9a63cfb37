// Laporan warga: the location picker (map tap or phone GPS) and the public map of reports.
(function () {
  "use strict";
  if (typeof L === "undefined") return;

  function num(value) { var n = parseFloat(value); return isNaN(n) ? null : n; }
  function tiles(map, el) { KotaKitaBasemap.add(map, el); }

  // --- picker on the new-report form ---
  var picker = document.getElementById("picker");
  if (picker) {
    var latInput = document.getElementById("id_lat"), lngInput = document.getElementById("id_lng");
    var text = document.getElementById("location-text");
    var lat0 = num(latInput.value) || num(picker.dataset.lat) || -7.63, lng0 = num(lngInput.value) || num(picker.dataset.lng) || 111.53;
    var map = L.map(picker).setView([lat0, lng0], 16);
    tiles(map, picker);
    var marker = null;
    var setPoint = function (lat, lng, zoom) {
      latInput.value = lat.toFixed(6);
      lngInput.value = lng.toFixed(6);
      if (marker) { marker.setLatLng([lat, lng]); } else { marker = L.circleMarker([lat, lng], { radius: 10, color: "#c62828", weight: 3 }).addTo(map); }
      if (zoom) { map.setView([lat, lng], zoom); }
      text.textContent = latInput.value + ", " + lngInput.value;
      if (window.htmx) { htmx.trigger(document.body, "location-changed"); }
    };
    if (num(latInput.value) !== null && num(lngInput.value) !== null) { setPoint(num(latInput.value), num(lngInput.value)); }
    map.on("click", function (e) { setPoint(e.latlng.lat, e.latlng.lng); });
    var gps = document.getElementById("use-gps");
    gps.addEventListener("click", function () {
      if (!navigator.geolocation) { text.textContent = gps.dataset.error; return; }
      gps.setAttribute("aria-busy", "true");
      navigator.geolocation.getCurrentPosition(function (pos) {
        gps.removeAttribute("aria-busy");
        setPoint(pos.coords.latitude, pos.coords.longitude, 17);
      }, function () {
        gps.removeAttribute("aria-busy");
        text.textContent = gps.dataset.error;
      }, { enableHighAccuracy: true, timeout: 15000, maximumAge: 60000 });
    });
  }

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
