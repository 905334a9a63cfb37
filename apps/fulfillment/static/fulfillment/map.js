// Maps of the fulfillment pages (hub + stops, routes, a tracked delivery), and the courier's GPS pings.
(function () {
  var el = document.getElementById("antar-map");
  var map = null, courierMarker = null;
  if (el && typeof L !== "undefined") {
    var data = JSON.parse(el.dataset.map || "{}");
    map = L.map(el);
    KotaKitaBasemap.add(map, el);
    var bounds = [];
    if (data.hub) { L.circleMarker(data.hub, { radius: 8, color: "#333" }).addTo(map).bindPopup("Hub"); bounds.push(data.hub); }
    (data.stops || []).forEach(function (s) { L.marker([s.lat, s.lng]).addTo(map).bindPopup(s.label); bounds.push([s.lat, s.lng]); });
    if (data.stops && data.stops.length && data.hub) {
      L.polyline([data.hub].concat(data.stops.map(function (s) { return [s.lat, s.lng]; })), { weight: 3 }).addTo(map);
    }
    (data.routes || []).forEach(function (r) { L.polyline(r.path, { color: r.colour, weight: 4 }).addTo(map).bindPopup(r.label); bounds = bounds.concat(r.path); });
    if (data.dropoff) { L.marker(data.dropoff).addTo(map); bounds.push(data.dropoff); }
    if (data.courier) { courierMarker = L.circleMarker(data.courier, { radius: 9, color: "#d62728" }).addTo(map); bounds.push(data.courier); }
    if (bounds.length > 1) { map.fitBounds(bounds, { padding: [24, 24] }); } else if (bounds.length) { map.setView(bounds[0], 16); }
  }
  // Tracking page: move the courier marker when HTMX swaps in a fresh status block.
  document.body.addEventListener("htmx:afterSwap", function (evt) {
    var box = document.getElementById("track-status");
    if (!map || !box || !box.dataset.map) return;
    var fresh = JSON.parse(box.dataset.map);
    if (!fresh.courier) return;
    if (courierMarker) { courierMarker.setLatLng(fresh.courier); } else { courierMarker = L.circleMarker(fresh.courier, { radius: 9, color: "#d62728" }).addTo(map); }
  });
  // Courier page: send a GPS fix at most every 15 s while the page is open.
  var status = document.getElementById("gps-status");
  if (status && navigator.geolocation) {
    var csrf = JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRFToken"];
    navigator.geolocation.watchPosition(function (pos) {
      var now = Date.now();
      if (status.dataset.last && now - parseInt(status.dataset.last, 10) < 15000) return;
      status.dataset.last = String(now);
      var body = new URLSearchParams({ lat: pos.coords.latitude, lng: pos.coords.longitude, accuracy: Math.round(pos.coords.accuracy), ts: pos.timestamp });
      fetch(status.dataset.pingUrl, { method: "POST", headers: { "X-CSRFToken": csrf }, body: body, credentials: "same-origin" })
        .then(function (r) { status.classList.toggle("error", !r.ok); });
    }, function () {}, { enableHighAccuracy: true, maximumAge: 10000 });
  }
})();
