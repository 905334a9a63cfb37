// Map picker for the permit form: tap the map (or use the GPS button) to set the business
// location; the point is written to the lat/lng inputs named in data-lat-input/data-lng-input.
(function () {
  var el = document.getElementById("map-picker");
  if (!el || typeof L === "undefined") return;
  var latInput = document.getElementById(el.dataset.latInput);
  var lngInput = document.getElementById(el.dataset.lngInput);
  var shown = document.getElementById("map-picked");
  var centre = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)];
  if (isNaN(centre[0]) || isNaN(centre[1])) centre = [-2.5, 118.0];
  var start = null;
  if (latInput.value && lngInput.value) start = [parseFloat(latInput.value), parseFloat(lngInput.value)];
  var map = L.map(el).setView(start || centre, start ? 17 : parseInt(el.dataset.zoom || "16", 10));
  KotaKitaBasemap.add(map, el);
  var marker = null;
  function place(latlng) {
    var lat = latlng.lat.toFixed(6), lng = latlng.lng.toFixed(6);
    latInput.value = lat;
    lngInput.value = lng;
    if (marker) {
      marker.setLatLng(latlng);
    } else {
      marker = L.marker(latlng, { draggable: true }).addTo(map);
      marker.on("dragend", function (e) { place(e.target.getLatLng()); });
    }
    if (shown) shown.textContent = lat + ", " + lng;
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
