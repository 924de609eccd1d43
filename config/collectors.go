package config

// Collector is one scheduled source. The collectors engineer fills it in.
type Collector struct {
	Name     string `yaml:"name"`
	Schedule string `yaml:"schedule"`
}

func (c *Config) validateCollectors() error { return nil }
