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
      row('Confidence', how) + row('Reviewed', it.cr) +
      '</table><div class="geo-src"><b>Sources (' + (it.sn || src.length) + ')</b><ol>' +
      out.join('') + '</ol></div></div>';
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
            w: D[c.w[i]], s0: c.s0[i], s1: c.s1[i], q: c.q[i], s: c.s[i], sn: c.sn[i],
            cr: c.cr ? D[c.cr[i]] : ''};
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

  // -- filters: one state that every event layer, the count and the list follow -------
  // Days are whole days since 1970-01-01; text filters compare escaped text with escaped
  // text (the payload's strings were escaped in Python).
  var F = {from: -Infinity, to: Infinity, undated: true, actor: -2, kind: '', status: '',
           conf: 0, source: '', q: ''};
  api.filters = F;

  function escText(s) {
    return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
      .replace(/"/g, '&quot;').replace(/'/g, '&#x27;').replace(/\{/g, '&#123;')
      .replace(/\}/g, '&#125;');
  }

  // Whether row i of a column set passes every filter but the per-layer actor toggles.
  function passes(c, D, i, kind) {
    var t = c.t[i], cf = c.cf[i], text;
    if (t === null || t === undefined) { if (!F.undated) { return false; } }
    else if (t < F.from || t > F.to) { return false; }
    if (F.actor !== -2 && c.a[i] !== F.actor) { return false; }
    if (F.kind && kind !== F.kind) { return false; }
    if (F.status && D[c.st[i]] !== F.status) { return false; }
    if (F.conf > 0 && !(isNum(cf) && cf >= F.conf - 1e-9)) { return false; }
    if (F.source && (c.src ? D[c.src[i]] : '') !== F.source) { return false; }
    if (F.q) {
      text = (D[c.pl[i]] || '') + ' \u0000 ' + (c.q[i] || '');
      if (text.toLowerCase().indexOf(F.q) < 0) { return false; }
    }
    return true;
  }

  var EventMixin = {
    geoInit: function (data, actors) {
      var kindCfg = cfg.kinds[data.kind] || {radius: 6, ring: '#333', weight: 3};
      var self = this, all = [], days = [], undated = 0, i, color, layer, c = data.cols;
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
        all.push(layer);
        if (isDay(c.t[i])) { days.push(c.t[i]); } else { undated += 1; }
      }
      this._all = all; this._n = all.length; this._vis = new Uint8Array(all.length).fill(1);
      this._shown = all.length; this.geoUndated = undated;
      days.sort(function (x, y) { return x - y; });
      this.start = days.length ? days[0] : Infinity;
      this.end = days.length ? days[days.length - 1] : -Infinity;
      this.geoCount = all.length;
      this._addBatch(all);
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
    // Show exactly the features that pass the filters and their actor's toggle.
    refilter: function () {
      var add = [], drop = [], c = this._cols, D = this._dict, vis = this._vis, i, want, a;
      for (i = 0; i < this._n; i++) {
        a = c.a[i];
        want = passes(c, D, i, this.geoKind) && (a < 0 || this._actorOn[a]) ? 1 : 0;
        if (want !== vis[i]) { vis[i] = want; (want ? add : drop).push(this._all[i]); }
      }
      this._removeBatch(drop);
      this._addBatch(add);
      this._shown += add.length - drop.length;
    },
    setActor: function (index, on) {
      if (this._actorOn[index] === on) { return; }
      this._actorOn[index] = on;
      api.refresh();
    },
    shownCount: function () { return this._shown; }
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

  // -- region-level events: no geometry, never drawn, listed only ----------------------
  api.regions = null;
  api.regionEvents = function (data) {
    api.regions = {geoKind: 'region', _cols: data.cols, _dict: data.dict || [], _n: data.n};
  };

  // -- refresh: filters -> layers -> count -> list -------------------------------------
  var hooks = [];
  api.refresh = function () {
    var i;
    for (i = 0; i < api.layers.length; i++) { api.layers[i].refilter(); }
    for (i = 0; i < hooks.length; i++) { hooks[i](); }
  };
  api.shownCount = function () {
    return api.layers.reduce(function (n, g) { return g._map ? n + g.shownCount() : n; }, 0);
  };
  api.setFilters = function (changes) {
    L.extend(F, changes);
    api.refresh();
  };

  // -- the time window: two day sliders, play by day, the count and an undated switch --
  // The window [from, to] in days, clamped to the days of the data when there are any.
  api.timeRange = null;
  api.setWindow = function (from, to) {
    var r = api.timeRange, t;
    if (from > to) { t = from; from = to; to = t; }
    if (r) { from = Math.min(Math.max(from, r[0]), r[1]); to = Math.min(Math.max(to, r[0]), r[1]); }
    F.from = from; F.to = to;
    api.refresh();
  };

  api.timeWindow = function (map, range) {
    var start = Math.round(range.start / DAY), end = Math.round(range.end / DAY);
    var control = L.control({position: 'bottomleft'}), timer = null, ui = {};
    var undated = api.layers.reduce(function (n, g) { return n + g.geoUndated; }, 0);
    F.from = start; F.to = end; api.timeRange = [start, end];
    function show() {
      ui.from.value = F.from; ui.to.value = F.to;
      ui.label.innerHTML = isoDay(F.from) + ' &ndash; ' + isoDay(F.to) + ' &middot; <b>' +
        api.shownCount() + '</b> events shown';
    }
    function fromInputs() {
      api.setWindow(+ui.from.value, +ui.to.value);
    }
    function stop() { if (timer) { clearInterval(timer); timer = null; } ui.play.innerHTML = '&#9654;'; }
    function step() {
      if (F.to >= end) { stop(); return; }
      api.setWindow(F.from + 1, F.to + 1);
    }
    control.onAdd = function () {
      var div = L.DomUtil.create('div', 'geo-time');
      div.innerHTML =
        '<button type="button" class="geo-play" title="Play: move the window a day at a time">' +
        '&#9654;</button>' +
        '<input type="range" class="geo-from" aria-label="from" min="' + start + '" max="' +
        end + '" step="1"><input type="range" class="geo-to" aria-label="to" min="' + start +
        '" max="' + end + '" step="1"><output class="geo-window"></output>' +
        (undated ? '<label><input type="checkbox" class="geo-undated" checked> undated (' +
                   undated + ')</label>' : '');
      ui.play = div.querySelector('.geo-play'); ui.from = div.querySelector('.geo-from');
      ui.to = div.querySelector('.geo-to'); ui.label = div.querySelector('.geo-window');
      ui.from.addEventListener('input', fromInputs);
      ui.to.addEventListener('input', fromInputs);
      ui.play.addEventListener('click', function () {
        var width;
        if (timer) { stop(); return; }
        if (F.to >= end) {
          width = F.to - F.from >= end - start ? 0 : F.to - F.from;
          api.setWindow(start, start + width);
        }
        ui.play.innerHTML = '&#10074;&#10074;';
        timer = setInterval(step, 700);
      });
      if (undated) {
        div.querySelector('.geo-undated').addEventListener('change', function (e) {
          api.setFilters({undated: e.target.checked});
        });
      }
      L.DomEvent.disableClickPropagation(div);
      L.DomEvent.disableScrollPropagation(div);
      return div;
    };
    control.addTo(map);
    hooks.push(show);
    show();
    map.on('overlayadd overlayremove', show);
    api.timeControl = control;
    return control;
  };

  // -- the list beside the map ---------------------------------------------------------
  var LIST_MAX = 200;

  function inView(layer, view) {
    if (layer.getLatLng) { return view.contains(layer.getLatLng()); }
    return layer.getBounds ? view.intersects(layer.getBounds()) : false;
  }

  // Rows that pass the filters: drawn ones in the view of a shown layer, and region-level.
  function listRows(map) {
    var view = map.getBounds(), rows = [], g, i, c, R = api.regions;
    for (g = 0; g < api.layers.length; g++) {
      var group = api.layers[g];
      if (!group._map) { continue; }
      for (i = 0; i < group._n; i++) {
        if (group._vis[i] && inView(group._all[i], view)) { rows.push([group, i]); }
      }
    }
    if (R) {
      c = R._cols;
      for (i = 0; i < R._n; i++) {
        if (passes(c, R._dict, i, R._dict[c.k[i]])) { rows.push([R, i]); }
      }
    }
    rows.sort(function (x, y) {
      var a = x[0]._cols.t[x[1]], b = y[0]._cols.t[y[1]];
      if (!isDay(a)) { return isDay(b) ? 1 : 0; }
      return isDay(b) ? a - b : -1;
    });
    return rows;
  }

  function rowKind(group, i) {
    return group === api.regions ? group._dict[group._cols.k[i]] : group.geoKind;
  }

  function rowHtml(group, i, n) {
    var c = group._cols, D = group._dict, a = c.a[i], region = group === api.regions;
    var actor = a >= 0 ? api.actors[a] : null;
    return '<li data-row="' + n + '"' + (region ? ' class="geo-region"' : '') + '>' +
      '<span class="geo-when">' + (isDay(c.t[i]) ? isoDay(c.t[i]) : 'undated') + '</span> ' +
      '<span class="geo-sw" style="background:' + (actor ? actor.color : cfg.noActorColor) +
      '"></span><b>' + (actor ? actor.name : 'actor unknown') + '</b> &middot; ' +
      kindName(rowKind(group, i)) + ' &middot; ' + (D[c.pl[i]] || '(no named place)') +
      (region ? ' <small class="geo-tag">region-level</small>' : '') +
      '<br><small>' + (D[c.w[i]] || 'unknown source') + '</small></li>';
  }

  function flyToRow(map, group, i, detail) {
    var layer, target, open;
    if (group === api.regions) {
      detail.innerHTML = eventPopup(rowKind(group, i), eventItem(group, i)) +
        '<small>Region-level: no place finer than a region, so not drawn.</small>';
      return;
    }
    detail.innerHTML = '';
    layer = group._all[i];
    open = function () { api.openPopup(layer); };
    if (group.zoomToShowLayer) { group.zoomToShowLayer(layer, open); return; }
    target = layer.getLatLng ? L.latLngBounds([layer.getLatLng(), layer.getLatLng()])
                             : layer.getBounds();
    map.once('moveend', open);
    map.flyToBounds(target, {maxZoom: Math.max(map.getZoom(), 9), duration: 0.5});
  }

  function options(label, values) {
    return '<option value="">' + label + '</option>' + values.map(function (v, k) {
      return '<option value="' + k + '">' + v[1] + '</option>';
    }).join('');
  }

  // Distinct values of one coded column over every event layer (and the region list).
  function distinct(column) {
    var seen = {}, out = [];
    api.layers.concat(api.regions ? [api.regions] : []).forEach(function (group) {
      (group._cols[column] || []).forEach(function (k) {
        var v = group._dict[k];
        if (v && !seen[v]) { seen[v] = true; out.push(v); }
      });
    });
    return out.sort();
  }

  api.eventList = function (map) {
    var side = document.createElement('aside'), rows = [], kinds = {}, values = {};
    api.layers.forEach(function (g) { kinds[g.geoKind] = true; });
    if (api.regions) { distinct('k').forEach(function (k) { kinds[k] = true; }); }
    values.actor = api.actors.map(function (a, k) { return [k, a.name]; });
    values.kind = Object.keys(kinds).sort().map(function (k) { return [k, kindName(k)]; });
    values.status = distinct('st').map(function (v) { return [v, v]; });
    values.source = distinct('src').map(function (v) { return [v, v]; });
    side.id = 'geo-side';
    side.innerHTML = '<h3>Events</h3><div class="geo-filters">' +
      '<select data-f="actor" aria-label="actor">' + options('every actor', values.actor) +
      '</select><select data-f="kind" aria-label="kind">' + options('every kind', values.kind) +
      '</select><select data-f="status" aria-label="status">' +
      options('every status', values.status) + '</select>' +
      '<select data-f="source" aria-label="source">' + options('every source', values.source) +
      '</select><label>confidence &ge; <input type="range" data-f="conf" min="0" max="1" ' +
      'step="0.05" value="0"> <output class="geo-conf">0.00</output></label>' +
      '<input type="search" data-f="q" placeholder="search places and quotes"></div>' +
      '<div class="geo-count"></div><div class="geo-detail"></div><ol class="geo-list"></ol>';
    document.body.appendChild(side);
    var list = side.querySelector('.geo-list'), count = side.querySelector('.geo-count');
    var detail = side.querySelector('.geo-detail');
    function render() {
      var all = listRows(map), html = [], n, regions = 0;
      rows = all.slice(0, LIST_MAX);
      for (n = 0; n < all.length; n++) { if (all[n][0] === api.regions) { regions += 1; } }
      for (n = 0; n < rows.length; n++) { html.push(rowHtml(rows[n][0], rows[n][1], n)); }
      list.innerHTML = html.join('');
      count.innerHTML = '<b>' + all.length + '</b> events in view' +
        (regions ? ' (' + regions + ' region-level)' : '') +
        (all.length > rows.length ? ', first ' + rows.length + ' listed' : '');
    }
    side.querySelectorAll('[data-f]').forEach(function (el) {
      el.addEventListener(el.tagName === 'SELECT' ? 'change' : 'input', function () {
        var f = el.getAttribute('data-f'), v = el.value, change = {};
        if (f === 'conf') {
          change.conf = +v; side.querySelector('.geo-conf').textContent = (+v).toFixed(2);
        } else if (f === 'q') {
          change.q = escText(v.trim()).toLowerCase();
        } else if (f === 'actor') {
          change.actor = v === '' ? -2 : values.actor[+v][0];
        } else {
          change[f] = v === '' ? '' : values[f][+v][0];
        }
        api.setFilters(change);
      });
    });
    list.addEventListener('click', function (e) {
      var li = e.target.closest('li[data-row]'), row;
      if (!li) { return; }
      row = rows[+li.getAttribute('data-row')];
      if (row) { flyToRow(map, row[0], row[1], detail); }
    });
    hooks.push(render);
    map.on('moveend overlayadd overlayremove', render);
    render();
    map.invalidateSize();
    api.list = {render: render, rows: function () { return rows; }};
    return side;
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
