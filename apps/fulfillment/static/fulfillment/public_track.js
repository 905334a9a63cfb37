// Public tracking page: the hub and, while the parcel is out, the courier's last position,
// refreshed from a small JSON endpoint every 10 s. A change of status reloads the page so the
// steps are drawn by the server. No personal data comes through here (see public_tracking.py).
(function () {
  "use strict";
  var el = document.getElementById("public-map");
  var box = document.getElementById("public-status");
  if (!el || !box || typeof L === "undefined") return;
  var data = JSON.parse(el.dataset.map || "{}");
  var map = L.map(el);
  if (window.KotaKitaBasemap) { window.KotaKitaBasemap.add(map, el); }
  var courier = null;
  var note = document.getElementById("public-map-note");
  if (data.hub) { L.circleMarker(data.hub, { radius: 8, color: "#333" }).addTo(map).bindPopup("Hub"); }
  function place(point) {
    if (!point) return;
    if (courier) { courier.setLatLng(point); } else { courier = L.circleMarker(point, { radius: 9, color: "#d62728" }).addTo(map); }
  }
  place(data.courier);
  if (data.hub && data.courier) { map.fitBounds([data.hub, data.courier], { padding: [24, 24], maxZoom: 16 }); }
  else if (data.hub) { map.setView(data.hub, 15); }
  var url = box.dataset.poll;
  if (!url) return;
  var timer = window.setInterval(function () {
    fetch(url, { headers: { Accept: "application/json" }, credentials: "omit" })
      .then(function (r) { if (!r.ok) { throw new Error(String(r.status)); } return r.json(); })
      .then(function (p) {
        if (p.status !== box.dataset.status) { window.location.reload(); return; }
        var eta = document.getElementById("public-eta");
        if (eta && p.eta) { eta.textContent = p.eta; }
        if (p.courier) {
          place(p.courier);
          if (note) { note.textContent = note.dataset.out; }
        }
        if (!p.live) { window.clearInterval(timer); }
      })
      .catch(function () {});
  }, 10000);
})();
