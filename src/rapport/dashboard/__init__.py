"""Each member's dashboard: the widget grid, its look, and the baselines frozen from its charts."""
