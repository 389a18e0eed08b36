// The plotly.js the dashboard serves: the core (with scatter) and only the trace types the
// figures in dashboard/figures/ draw. dcc.Graph loads it in place of plotly.py's full 4.8 MB
// bundle (see dashboard/plotly_bundle.py); tests/browser checks every page draws with it.
'use strict';

var Plotly = require('plotly.js/lib/core');

Plotly.register([require('plotly.js/lib/bar'), require('plotly.js/lib/heatmap'), require('plotly.js/lib/funnel')]);

module.exports = Plotly;
