package config

import "fmt"

// DefaultMaxBodyBytes bounds a request body when api.max_body_bytes is 0.
const DefaultMaxBodyBytes = 32 << 20

// API holds the HTTP API's settings.
type API struct {
	// TokensFile lists write tokens, one "name token" per line; '#' starts
	// a comment. It is read again when it changes, so a token removed from
	// it is refused without a restart. BIZENV_API_TOKENS adds more. Its
	// format belongs to the API (api.ParseTokens); bizenv checks the file
	// when it loads this config.
	TokensFile string `yaml:"tokens_file"`
	// MaxBodyBytes bounds a request body; DefaultMaxBodyBytes when 0.
	MaxBodyBytes int64 `yaml:"max_body_bytes"`
}

func (c *Config) validateAPI() error {
	if c.API.MaxBodyBytes < 0 {
		return fmt.Errorf("api.max_body_bytes: must not be negative")
	}
	if c.API.MaxBodyBytes == 0 {
		c.API.MaxBodyBytes = DefaultMaxBodyBytes
	}
	return nil
}
