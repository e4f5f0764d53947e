"""Form steps and field schemas of the config, options and subentry flows."""
