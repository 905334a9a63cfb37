// Shows a Leaflet map centred on the element's data-lat/data-lng with a marker.
(function () {
  var el = document.getElementById("map");
  if (!el || typeof L === "undefined") return;
  var lat = parseFloat(el.dataset.lat), lng = parseFloat(el.dataset.lng);
  if (isNaN(lat) || isNaN(lng)) { el.remove(); return; }
  var map = L.map(el).setView([lat, lng], parseInt(el.dataset.zoom || "15", 10));
  KotaKitaBasemap.add(map, el);
  L.marker([lat, lng]).addTo(map).bindPopup(el.dataset.label || "");
})();
