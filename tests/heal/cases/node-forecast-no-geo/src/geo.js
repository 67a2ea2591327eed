'use strict';
function mapLink(place) {
  const { lat, lon } = place.geo;
  return { place: place.name, q: `${lat},${lon}`, map: `https://maps.example/?q=${lat},${lon}` };
}

module.exports = { mapLink };
