// The one map point picker (templates/includes/map_picker.html): tap the map or drag the marker
// to set the point, or "Gunakan lokasi saya" (navigator.geolocation). The point goes into the
// hidden lat/lng inputs named by data-lat-input / data-lng-input, a change event bubbles from
// the lat input (so HTMX forms can react, e.g. checkout's delivery fee quote), and the picked
// point is also said in words (data-map-picked), which stays useful when the tiles or the
// whole map cannot load: GPS still fills the point without a map.
// Used by the public forms (the include) and by the Django admin's MapPointWidget
// (apps/core/widgets.py), whose lat/lng inputs are visible number inputs: typing in them moves
// the marker. The admin does not load basemap.js, so the tiles then come straight from the
// element's data-tiles.
(function () {
  "use strict";

  function text(el, key, fallback) { return (el && el.dataset[key]) || fallback; }

  function setup(box) {
    var el = box.querySelector("[data-map-picker]");
    if (!el || el.getAttribute("data-ready")) { return; }
    el.setAttribute("data-ready", "1");
    var latInput = document.getElementById(el.dataset.latInput);
    var lngInput = document.getElementById(el.dataset.lngInput);
    if (!latInput || !lngInput) { return; }
    var shown = box.querySelector("[data-map-picked]");
    var gps = box.querySelector("[data-map-gps]");
    var clear = box.querySelector("[data-map-clear]");
    var status = box.querySelector("[data-map-status]");
    var map = null;
    var marker = null;

    function say(message) { if (status) { status.textContent = message || ""; } }

    function write(lat, lng, quiet) {
      latInput.value = lat === null ? "" : lat.toFixed(6);
      lngInput.value = lng === null ? "" : lng.toFixed(6);
      if (shown) { shown.textContent = lat === null ? "—" : latInput.value + ", " + lngInput.value; }
      box.setAttribute("data-picked", lat === null ? "" : "1");
      var error = box.querySelector("[data-map-error]");
      if (error && lat !== null) { error.hidden = true; }  // the refusal was about the previous (or missing) point; the quote re-checks the new one
      if (!quiet) { latInput.dispatchEvent(new Event("change", { bubbles: true })); }
    }

    function mark(lat, lng) {
      if (!map) { return; }
      var latlng = L.latLng(lat, lng);
      if (marker) { marker.setLatLng(latlng); return; }
      marker = L.marker(latlng, { draggable: true, keyboard: true, title: text(el, "markerTitle", "Titik") }).addTo(map);
      marker.on("dragend", function (e) { var p = e.target.getLatLng(); write(p.lat, p.lng, false); });
    }

    function place(lat, lng, quiet) {
      write(lat, lng, quiet);
      mark(lat, lng);
    }

    // Typed coordinates (visible inputs, e.g. the admin's) move the marker; the typing itself
    // is left as it is (no rounding under the cursor). Hidden inputs never fire "input".
    function typed() {
      var a = parseFloat(latInput.value), b = parseFloat(lngInput.value);
      if (isNaN(a) || isNaN(b) || Math.abs(a) > 90 || Math.abs(b) > 180) { return; }
      if (shown) { shown.textContent = latInput.value + ", " + lngInput.value; }
      mark(a, b);
      if (map) { map.panTo([a, b]); }
    }
    latInput.addEventListener("input", typed);
    lngInput.addEventListener("input", typed);

    var centre = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lng)];
    if (isNaN(centre[0]) || isNaN(centre[1])) { centre = [-7.63, 111.52]; }
    var start = null;
    var startLat = parseFloat(latInput.value), startLng = parseFloat(lngInput.value);
    // a half-typed or out-of-range value sent back with a form error opens on the centre instead
    if (!isNaN(startLat) && !isNaN(startLng) && Math.abs(startLat) <= 90 && Math.abs(startLng) <= 180) { start = [startLat, startLng]; }

    if (typeof L !== "undefined") {
      map = L.map(el).setView(start || centre, start ? 17 : parseInt(el.dataset.zoom || "16", 10));
      if (window.KotaKitaBasemap) {
        window.KotaKitaBasemap.add(map, el);
      } else if (el.dataset.tiles) {
        L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution }).addTo(map);
      }
      map.on("click", function (e) { place(e.latlng.lat, e.latlng.lng, false); });
    } else {
      el.hidden = true;  // no map library: the words and the GPS button still work
      var note = box.querySelector("[data-map-nomap]");
      if (note) { note.hidden = false; }
    }
    if (start) { place(start[0], start[1], true); }

    if (gps && navigator.geolocation) {
      gps.hidden = false;
      gps.addEventListener("click", function () {
        say(text(gps, "busy", "Mencari lokasi…"));
        navigator.geolocation.getCurrentPosition(
          function (p) {
            say("");
            place(p.coords.latitude, p.coords.longitude, false);
            if (map) { map.setView([p.coords.latitude, p.coords.longitude], 17); }
          },
          function () { say(text(gps, "failed", "Lokasi tidak bisa dibaca; ketuk peta.")); },
          { enableHighAccuracy: true, timeout: 10000 }
        );
      });
    }
    if (clear) {
      clear.addEventListener("click", function () {
        if (marker && map) { map.removeLayer(marker); }
        marker = null;
        write(null, null, false);
      });
    }
  }

  function init(root) {
    (root || document).querySelectorAll("[data-map-picker-box]").forEach(setup);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { init(document); });
  } else {
    init(document);
  }
  window.KotaKitaMapPicker = { init: init };
})();
