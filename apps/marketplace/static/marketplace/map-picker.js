// Shop location picker: tap the map (or use GPS) to set the point; it fills the lat/lng inputs.
(function () {
  var el = document.getElementById("map-picker");
  if (!el || typeof L === "undefined") return;
  var latInput = document.getElementById(el.dataset.latInput);
  var lngInput = document.getElementById(el.dataset.lngInput);
  var centre = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)];
  if (isNaN(centre[0]) || isNaN(centre[1])) centre = [-7.63, 111.52];
  var start = null;
  if (latInput.value && lngInput.value) start = [parseFloat(latInput.value), parseFloat(lngInput.value)];
  var map = L.map(el).setView(start || centre, start ? 17 : 16);
  KotaKitaBasemap.add(map, el);
  var marker = null;
  function place(latlng) {
    latInput.value = latlng.lat.toFixed(6);
    lngInput.value = latlng.lng.toFixed(6);
    if (marker) { marker.setLatLng(latlng); return; }
    marker = L.marker(latlng, { draggable: true }).addTo(map);
    marker.on("dragend", function (e) { place(e.target.getLatLng()); });
  }
  if (start) place(L.latLng(start[0], start[1]));
  map.on("click", function (e) { place(e.latlng); });
  var gps = document.getElementById("use-my-location");
  if (gps && navigator.geolocation) {
    gps.hidden = false;
    gps.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (p) {
        var here = L.latLng(p.coords.latitude, p.coords.longitude);
        place(here);
        map.setView(here, 17);
      });
    });
  }
})();
