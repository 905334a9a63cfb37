// Map point picker of apps/core/widgets.MapPointWidget (Django admin): a Leaflet map under the
// latitude input; a click or a dragged marker fills the latitude and longitude inputs, and typing
// in them moves the marker. Self-contained on purpose (the admin does not load base.html's map
// scripts); a shared static/js/map-picker.js for the public pages may replace it later.
(function () {
  "use strict";
  function round(value) { return Math.round(value * 1e6) / 1e6; }

  function init(el) {
    if (typeof L === "undefined") { return; }
    var latInput = document.getElementById(el.dataset.latInput);
    var lngInput = document.getElementById(el.dataset.lngInput);
    if (!latInput || !lngInput) { return; }
    var lat = parseFloat(latInput.value), lng = parseFloat(lngInput.value);
    var has = !isNaN(lat) && !isNaN(lng);
    // Without a point yet: the middle of Indonesia's main islands, zoomed out.
    var map = L.map(el).setView(has ? [lat, lng] : [-2.5, 118], has ? 16 : 5);
    if (el.dataset.tiles) {
      L.tileLayer(el.dataset.tiles, { maxZoom: 19, attribution: el.dataset.attribution }).addTo(map);
    }
    var marker = null;
    function place(point, fill) {
      if (!marker) {
        marker = L.marker(point, { draggable: true, keyboard: false }).addTo(map);
        marker.on("dragend", function () { place(marker.getLatLng(), true); });
      } else {
        marker.setLatLng(point);
      }
      if (fill) {
        latInput.value = round(point.lat);
        lngInput.value = round(point.lng);
        latInput.dispatchEvent(new Event("change", { bubbles: true }));
      }
    }
    if (has) { place(L.latLng(lat, lng), false); }
    map.on("click", function (event) { place(event.latlng, true); });
    function typed() {
      var a = parseFloat(latInput.value), b = parseFloat(lngInput.value);
      if (!isNaN(a) && !isNaN(b)) { place(L.latLng(a, b), false); map.panTo([a, b]); }
    }
    latInput.addEventListener("input", typed);
    lngInput.addEventListener("input", typed);
  }

  function start() {
    var maps = document.querySelectorAll(".kk-map-point");
    for (var i = 0; i < maps.length; i++) { init(maps[i]); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
