var GeoMap = (function () {
  'use strict';
  var DAY = 86400000, cfg = {kinds: {}, status: {}, precision: {}};
  var api = {layers: [], statics: [], ready: false, settled: false, pending: 0, timings: []};
  function mark(label) { api.timings.push([label, Math.round(performance.now())]); }
  api.mark = mark;
  api.data = function (id) { return JSON.parse(document.getElementById(id).textContent); };

  function setup(config, actors) { cfg = config; api.actors = actors || []; }

  // -- evidence: popups and tooltips assembled from fields escaped in Python ----------
  function row(k, v) { return v ? '<tr><th>' + k + '</th><td>' + v + '</td></tr>' : ''; }

  function isNum(x) { return typeof x === 'number' && isFinite(x); }
  function isDay(t) { return t !== null && t !== undefined; }
  function isoDay(t) { return new Date(t * DAY).toISOString().slice(0, 10); }

  function kindName(kind) { return (cfg.kinds[kind] && cfg.kinds[kind].singular) || kind; }

  function eventPopup(kind, it) {
    var actor = it.a >= 0 ? api.actors[it.a].name : 'actor unknown', out = [], i, s;
    var src = it.s || [[it.w, it.s0, it.s1, it.q]];
    var when = isDay(it.t) ? isoDay(it.t) + (it.dp ? ' <small>(' + it.dp + ')</small>' : '')
                           : 'undated';
    var where = it.e ? 'estimated from a distance claim (an area, not a point)' :
      (cfg.precisionLabel[String(it.p)] || '');
    var dist = isNum(it.km) ? it.km.toFixed(1) + ' km' +
      (isNum(it.ck) && it.ck !== it.km ? ' (closest ' + it.ck.toFixed(1) + ' km)' : '') : '';
    var how = isNum(it.cf) ? it.cf.toFixed(2) : '';
    for (i = 0; i < src.length; i++) {
      s = src[i];
      out.push('<li><b>' + (s[0] || 'unknown source') + '</b>' +
               (s[1] !== null && s[1] !== undefined && s[1] !== '' ?
                 ' <small>[' + s[1] + '&ndash;' + s[2] + ']</small>' : '') +
               ': <q>' + s[3] + '</q></li>');
    }
    if ((it.sn || 0) > src.length) {
      out.push('<li>&hellip; and ' + (it.sn - src.length) + ' more</li>');
    }
    return '<div class="geo-pop"><h4>' + kindName(kind) + ' &middot; ' + actor + '</h4><table>' +
      row('Places', it.pl || '(no named place)') + row('Date', when) + row('Status', it.st) +
      row('Location', where) + row('Direction', it.dir) + row('From ' + cfg.reference, dist) +
      row('Confidence', how) + '</table><div class="geo-src"><b>Sources (' + (it.sn || src.length) +
      ')</b><ol>' + out.join('') + '</ol></div></div>';
  }

  function eventTip(kind, it) {
    var actor = it.a >= 0 ? api.actors[it.a].name : '?';
    return [kindName(kind), actor, it.pl, isDay(it.t) ? isoDay(it.t) : 'undated',
            it.st !== 'reported' ? it.st : '']
      .filter(Boolean).join(' &middot; ');
  }

  // An event's fields, decoded from its layer's columns on demand.
  function eventItem(group, i) {
    var c = group._cols, D = group._dict;
    return {id: c.id[i], a: c.a[i], t: c.t[i], st: D[c.st[i]], p: c.p[i], e: c.e[i], pl: D[c.pl[i]],
            dp: D[c.dp[i]], km: c.km[i], ck: c.ck[i], cf: c.cf[i], r: D[c.r[i]], dir: D[c.dir[i]],
            w: D[c.w[i]], s0: c.s0[i], s1: c.s1[i], q: c.q[i], s: c.s[i], sn: c.sn[i]};
  }

  function isEvidence(layer) {
    return !!(layer && (layer.geoItem || layer.geoIndex !== undefined));
  }

  api.item = function (layer) {
    if (layer.geoItem) { return layer.geoItem; }
    return layer.geoIndex !== undefined ? eventItem(layer.geoGroup, layer.geoIndex) : null;
  };

  api.featureId = function (layer) {
    var item = api.item(layer);
    return item ? item.id : null;
  };

  api.popupHtml = function (layer) {
    if (layer.geoItem) { return layer.geoItem.pop || ''; }
    if (layer.geoIndex === undefined) { return ''; }
    return eventPopup(layer.geoGroup.geoKind, eventItem(layer.geoGroup, layer.geoIndex));
  };

  api.tooltipHtml = function (layer) {
    if (layer.geoItem) { return layer.geoItem.tip || ''; }
    if (layer.geoIndex === undefined) { return ''; }
    return eventTip(layer.geoGroup.geoKind, eventItem(layer.geoGroup, layer.geoIndex));
  };

  function latlng(c) { return [c[1], c[0]]; }

  function pointStyle(kindCfg, status, precision, color) {
    var st = cfg.status[status] || cfg.status.reported;
    var pr = cfg.precision[String(precision)] || cfg.precision['1'];
    return {
      radius: kindCfg.radius * pr.radius, color: kindCfg.ring,
      weight: kindCfg.weight > 2 ? 2.5 : 1.5,
      opacity: st.opacity, fillColor: color, fillOpacity: st.fillOpacity * pr.fill
    };
  }

  function shapeStyle(kindCfg, status, estimated, color, detail) {
    var st = cfg.status[status] || cfg.status.reported;
    if (estimated) {
      return {color: color, weight: 11, opacity: 0.3, lineCap: 'butt', fill: false,
              dashArray: null};
    }
    return {color: color, weight: kindCfg.weight, opacity: st.opacity,
            dashArray: detail ? (st.dash || null) : null, fill: false};
  }

  function geometryLayer(g, style, pointOpts) {
    if (g.type === 'Point') { return L.circleMarker(latlng(g.coordinates), pointOpts); }
    var layer = L.GeoJSON.geometryToLayer({type: 'Feature', geometry: g, properties: {}});
    layer.setStyle(style);
    return layer;
  }

  function makeLayer(item, style, pointOpts) {
    var layer = geometryLayer(item.g, style, pointOpts);
    layer.feature = {type: 'Feature', properties: item.f || {id: item.id}};
    layer.geoItem = item;
    return layer;
  }

  // -- arrowheads: chevrons recomputed in screen space, so they keep their size ---------
  function chevron(map, z, tip, ux, uy, size) {
    var out = [], k, a, c, s;
    for (k = -1; k <= 1; k += 2) {
      a = 0.45 * k; c = Math.cos(a); s = Math.sin(a);
      out.push(map.unproject(L.point(tip.x - size * (ux * c - uy * s),
                                     tip.y - size * (ux * s + uy * c)), z));
      if (k === -1) { out.push(map.unproject(tip, z)); }
    }
    return out;
  }

  function arrows(map, path, detail) {
    var z = map.getZoom(), pts = path.map(function (ll) { return map.project(ll, z); });
    var out = [path], size = 11, i, a, b, dx, dy, len;
    for (i = 0; i + 1 < pts.length; i++) {
      a = pts[i]; b = pts[i + 1]; dx = b.x - a.x; dy = b.y - a.y;
      len = Math.sqrt(dx * dx + dy * dy);
      if (len < 1e-6) { continue; }
      dx /= len; dy /= len;
      if (detail && len > 4 * size) {
        out.push(chevron(map, z, L.point(a.x + dx * len * 0.55, a.y + dy * len * 0.55),
                         dx, dy, size));
      }
      if (i + 2 === pts.length) { out.push(chevron(map, z, b, dx, dy, size * 1.2)); }
    }
    return out;
  }

  // -- shared popup and tooltip ------------------------------------------------------
  function bindEvidence(group) {
    var tip = L.tooltip({direction: 'top', offset: [0, -6], opacity: 0.95});
    group.on('click', function (e) {
      var layer = e.propagatedFrom || e.layer, map = group._map;
      if (!isEvidence(layer) || !map) { return; }
      api.openPopup(layer, e.latlng);
    });
    group.on('mouseover', function (e) {
      var layer = e.propagatedFrom || e.layer, map = group._map;
      var html = isEvidence(layer) ? api.tooltipHtml(layer) : '';
      if (!html || !map) { return; }
      tip.setLatLng(e.latlng).setContent(html);
      map.openTooltip(tip);
    });
    group.on('mouseout', function () { if (group._map) { group._map.closeTooltip(tip); } });
  }

  function anchorOf(layer) {
    if (layer.getLatLng) { return layer.getLatLng(); }
    if (layer.getBounds) { return layer.getBounds().getCenter(); }
    return null;
  }

  api.openPopup = function (layer, at) {
    var map = layer._map || (layer.geoGroup && layer.geoGroup._map);
    if (!map || !isEvidence(layer)) { return null; }
    return L.popup({maxWidth: 420, maxHeight: 380})
      .setLatLng(at || anchorOf(layer)).setContent(api.popupHtml(layer)).openOn(map);
  };

  // -- event layers: time and actor filters on a sorted item list ------------------------
  function upperBound(days, day) {
    var lo = 0, hi = days.length, mid;
    while (lo < hi) {
      mid = (lo + hi) >> 1;
      if (days[mid] <= day) { lo = mid + 1; } else { hi = mid; }
    }
    return lo;
  }

  var EventMixin = {
    geoInit: function (data, actors) {
      var kindCfg = cfg.kinds[data.kind] || {radius: 6, ring: '#333', weight: 3};
      var self = this, dated = [], undated = [], i, color, layer, c = data.cols;
      var D = data.dict || [];
      var detail = data.detail !== false, styles = {}, key, st, g;
      this.geoKind = data.kind; this.geoActors = actors;
      this._actorOn = actors.map(function () { return true; });
      this._cols = c; this._dict = D; this._arrowLayers = []; this._detail = detail;
      for (i = 0; i < data.n; i++) {
        g = c.g[i]; st = D[c.st[i]];
        key = c.a[i] + '|' + st + '|' + c.p[i] + '|' + c.e[i] + '|' + (g.type === 'Point');
        if (!styles[key]) {
          color = c.a[i] >= 0 ? actors[c.a[i]].color : cfg.noActorColor;
          styles[key] = g.type === 'Point' ? pointStyle(kindCfg, st, c.p[i], color) :
            shapeStyle(kindCfg, st, c.e[i], color, detail);
        }
        layer = geometryLayer(g, styles[key], styles[key]);
        layer.geoGroup = this; layer.geoIndex = i;
        if (data.arrows && g.type === 'LineString' && !c.e[i]) {
          layer._geoPath = g.coordinates.map(latlng);
          this._arrowLayers.push(layer);
        }
        if (c.t[i] === null || c.t[i] === undefined) { undated.push(layer); }
        else { dated.push(layer); }
      }
      dated.sort(function (x, y) { return c.t[x.geoIndex] - c.t[y.geoIndex]; });
      this._dated = dated; this._undated = undated;
      this._days = dated.map(function (l) { return c.t[l.geoIndex]; });
      this._k = dated.length;
      this.times = [];
      for (i = 0; i < this._days.length; i++) {
        if (i === 0 || this._days[i] !== this._days[i - 1]) {
          this.times.push(this._days[i] * DAY);
        }
      }
      this.start = this.times.length ? this.times[0] : Infinity;
      this.end = this.times.length ? this.times[this.times.length - 1] : -Infinity;
      this.geoCount = dated.length + undated.length;
      this._addBatch(undated.concat(dated));
      bindEvidence(this);
      this._onZoom = function () { self._drawArrows(self._map); };
      api.layers.push(this);
    },
    _addBatch: function (list) {
      if (!list.length) { return; }
      if (this.addLayers) { this.addLayers(list); return; }
      for (var i = 0; i < list.length; i++) { this.addLayer(list[i]); }
    },
    _removeBatch: function (list) {
      if (!list.length) { return; }
      if (this.removeLayers) { this.removeLayers(list); return; }
      for (var i = 0; i < list.length; i++) { this.removeLayer(list[i]); }
    },
    _visibleActor: function (layer) {
      var a = this._cols.a[layer.geoIndex];
      return a < 0 || this._actorOn[a];
    },
    // Before the group is on the map (first add) this only sets coordinates; afterwards
    // (zoom) each line redraws.
    _drawArrows: function (map) {
      var i, l;
      if (!map) { return; }
      for (i = 0; i < this._arrowLayers.length; i++) {
        l = this._arrowLayers[i];
        l.setLatLngs(arrows(map, l._geoPath, this._detail));
      }
    },
    geoOnAdd: function (map) {
      this._drawArrows(map);
      map.on('zoomend', this._onZoom);
    },
    geoOnRemove: function (map) { map.off('zoomend', this._onZoom); },
    setTime: function (ms) {
      var self = this;
      this._pending = ms;
      if (this._scheduled) { return; }
      this._scheduled = true;
      setTimeout(function () { self._scheduled = false; self.applyTime(self._pending); }, 0);
    },
    applyTime: function (ms) {
      var day = Math.floor(ms / DAY + 1e-6), k = upperBound(this._days, day), list = [], i;
      if (k > this._k) {
        for (i = this._k; i < k; i++) {
          if (this._visibleActor(this._dated[i])) { list.push(this._dated[i]); }
        }
        this._addBatch(list);
      } else if (k < this._k) {
        for (i = k; i < this._k; i++) {
          if (this._visibleActor(this._dated[i])) { list.push(this._dated[i]); }
        }
        this._removeBatch(list);
      }
      this._k = k;
      this.fire('geotime', {time: ms, shown: this.shownCount()});
    },
    setActor: function (index, on) {
      var list = [], i, l;
      if (this._actorOn[index] === on) { return; }
      this._actorOn[index] = on;
      for (i = 0; i < this._undated.length; i++) {
        l = this._undated[i]; if (this._cols.a[l.geoIndex] === index) { list.push(l); }
      }
      for (i = 0; i < this._k; i++) {
        l = this._dated[i]; if (this._cols.a[l.geoIndex] === index) { list.push(l); }
      }
      if (on) { this._addBatch(list); } else { this._removeBatch(list); }
    },
    shownCount: function () { return this.getLayers().length; }
  };

  var EventGroup = L.FeatureGroup.extend({
    includes: EventMixin,
    initialize: function (data, actors) {
      L.FeatureGroup.prototype.initialize.call(this);
      this.geoInit(data, actors);
    },
    onAdd: function (map) { this.geoOnAdd(map); L.FeatureGroup.prototype.onAdd.call(this, map); },
    onRemove: function (map) {
      this.geoOnRemove(map);
      L.FeatureGroup.prototype.onRemove.call(this, map);
    }
  });

  var EventCluster = null;
  function clusterClass() {
    if (EventCluster || !L.MarkerClusterGroup) { return EventCluster; }
    EventCluster = L.MarkerClusterGroup.extend({
      includes: EventMixin,
      initialize: function (data, actors) {
        var self = this;
        api.pending += 1;
        L.MarkerClusterGroup.prototype.initialize.call(this, {
          chunkedLoading: false, maxClusterRadius: 45,
          spiderfyOnMaxZoom: true, showCoverageOnHover: false, removeOutsideVisibleBounds: true,
          chunkProgress: function (done, total) {
            if (done === total && !self._geoSettled) { self._geoSettled = true; api.settle(); }
          }
        });
        this.geoInit(data, actors);
      },
      // Before the group is on a map markercluster's addLayers is quadratic: queue instead.
      _addBatch: function (list) {
        if (!list.length) { return; }
        if (!this._map) { this._queued = (this._queued || []).concat(list); return; }
        this.addLayers(list);
      },
      _removeBatch: function (list) {
        var drop;
        if (!list.length) { return; }
        if (this._queued) {
          drop = new Set(list);
          this._queued = this._queued.filter(function (l) { return !drop.has(l); });
        }
        if (this._map) { this.removeLayers(list); }
      },
      onAdd: function (map) {
        var queued = this._queued;
        this.geoOnAdd(map);
        L.MarkerClusterGroup.prototype.onAdd.call(this, map);
        this._queued = null;
        if (queued && queued.length) { this.addLayers(queued); }
      },
      onRemove: function (map) {
        this.geoOnRemove(map);
        L.MarkerClusterGroup.prototype.onRemove.call(this, map);
      }
    });
    return EventCluster;
  }

  api.eventLayer = function (data, actors) {
    var Cluster = data.cluster ? clusterClass() : null, layer;
    mark('parsed ' + data.kind);
    actors = actors || api.actors;
    layer = Cluster ? new Cluster(data, actors) : new EventGroup(data, actors);
    mark('built ' + data.kind);
    return layer;
  };

  // An entry of the layer control that shows or hides one actor inside a kind layer.
  var ActorToggle = L.Layer.extend({
    initialize: function (group, index) { this.geoGroup = group; this.geoIndex = index; },
    onAdd: function () { this.geoGroup.setActor(this.geoIndex, true); },
    onRemove: function () { this.geoGroup.setActor(this.geoIndex, false); }
  });
  api.actorToggle = function (group, index) { return new ActorToggle(group, index); };

  // -- static layers: places, rings, checks, conflicts, estimates, outlines -------------
  api.staticLayer = function (data) {
    var group = data.cluster && L.markerClusterGroup ?
      L.markerClusterGroup({showCoverageOnHover: false}) : L.featureGroup();
    var base = data.style || {}, list = [];
    (data.items || []).forEach(function (item) {
      var layer, style = L.extend({}, base, item.s || {});
      if (item.lbl !== undefined && item.g.type === 'Point') {
        layer = L.marker(latlng(item.g.coordinates), {
          interactive: false, keyboard: false,
          icon: L.divIcon({className: item.cls || 'geo-ring-label', html: item.lbl, iconSize: null})
        });
        layer.feature = {type: 'Feature', properties: item.f || {}};
      } else {
        layer = makeLayer(item, style, style);
        layer.geoGroup = group;
        if (item.name && data.permanentLabels) {
          layer.bindTooltip(item.name, {permanent: true, direction: 'right', offset: [6, 0],
                                        className: 'geo-label', interactive: false});
        }
      }
      list.push(layer);
    });
    if (group.addLayers) { group.addLayers(list); }
    else { list.forEach(function (l) { group.addLayer(l); }); }
    if (data.interactive !== false) { bindEvidence(group); }
    group.geoCount = list.length;
    api.statics.push(group);
    return group;
  };

  // -- legend, ready flag -------------------------------------------------------------
  api.outlineLayer = function (collection, style) {
    return L.geoJSON(collection, {style: style, interactive: false});
  };

  api.legend = function (map, html) {
    var control = L.control({position: 'bottomright'});
    control.onAdd = function () {
      var div = L.DomUtil.create('div', 'geo-legend');
      div.innerHTML = html;
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    control.addTo(map);
    return control;
  };

  // leaflet-measure draws with SVG-only calls (layer._path): give its shapes an SVG
  // renderer, as this map draws everything else on canvas.
  api.fixMeasure = function (control) {
    var svg = L.svg(), symbols = control._symbols, get = symbols.getSymbol;
    symbols.getSymbol = function (name) {
      var options = get.call(symbols, name);
      options.renderer = svg;
      return options;
    };
  };

  // Offline pages inline leaflet.css, so Leaflet cannot find its marker images by path:
  // hand it the images themselves.
  api.defaultIcons = function (urls) {
    L.Icon.Default.mergeOptions(urls);
    L.Icon.Default.prototype._getIconUrl = function (name) {
      return L.Icon.prototype._getIconUrl.call(this, name);
    };
  };

  api.showLatest = function (slider) {
    if (slider && isFinite(slider.end)) { slider.setTime(slider.end); }
  };

  // The slider's label: the chosen day, and the undated events that stay on the map.
  api.formatTime = function (ms) {
    var undated = api.layers.reduce(function (n, g) { return n + g._undated.length; }, 0);
    return '&le; ' + new Date(ms).toISOString().slice(0, 10) +
      (undated ? ' <small>+ ' + undated + ' undated</small>' : '');
  };

  // Settled: every clustered layer has finished its (chunked) clustering.
  api.settle = function () {
    api.pending -= 1;
    if (api.pending <= 0 && api.ready && !api.settled) {
      api.settled = true;
      mark('settled');
      document.body.setAttribute('data-geo-settled', '1');
    }
  };

  api.markReady = function () {
    mark('script end');
    requestAnimationFrame(function () {
      requestAnimationFrame(function () {
        api.ready = true;
        api.readyAt = performance.now();
        mark('painted');
        document.body.setAttribute('data-geo-ready', '1');
        api.pending += 1;
        api.settle();
      });
    });
  };

  api.setup = setup;
  return api;
})();
