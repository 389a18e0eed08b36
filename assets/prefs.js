/* Clientside callbacks of the app shell: persistent language/calendar switches and the
   filter state mirrored into the URL query string (no server round trip, no page re-render). */
window.dash_clientside = Object.assign({}, window.dash_clientside, {
  shell: {
    setPref: function () {
      var ctx = window.dash_clientside.callback_context;
      if (!ctx.triggered.length || !ctx.triggered[0].value) {
        return window.dash_clientside.no_update;
      }
      var id = ctx.triggered[0].prop_id.split(".")[0];
      var m = id.match(/^pref-(lang|cal)-(.+)$/);
      if (!m) { return window.dash_clientside.no_update; }
      document.cookie = m[1] + "=" + encodeURIComponent(m[2]) +
        "; path=/; max-age=31536000; SameSite=Lax";
      window.location.reload();
      return m[2];
    },
    syncUrl: function (values) {
      var ctx = window.dash_clientside.callback_context;
      var ids = (ctx.inputs_list[0] || []).map(function (x) { return x.id; });
      var params = new URLSearchParams(window.location.search);
      ids.forEach(function (cid, i) {
        var field = cid.field, v = values[i];
        params.delete(field);
        if (field === "weighted") {
          if (v === "0") { params.set(field, "0"); }
        } else if (v !== null && v !== undefined && v !== "" && v !== "all") {
          params.set(field, v);
        }
      });
      var qs = params.toString();
      var url = window.location.pathname + (qs ? "?" + qs : "") + window.location.hash;
      window.history.replaceState(window.history.state, "", url);
      return qs;
    }
  }
});
