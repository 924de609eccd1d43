package config

// API holds the HTTP API's settings. The API engineer fills it in.
type API struct{}

func (c *Config) validateAPI() error { return nil }
