// Package config reads bizenv's configuration file (--config.file): the
// time zone, extra catalog files, the collectors, the report deliveries and
// the API tokens. It is decoded strictly and validated once; constructors
// take the validated types.
package config

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the whole configuration file.
type Config struct {
	Timezone   string      `yaml:"timezone"`
	Catalog    Catalog     `yaml:"catalog"`
	Collectors []Collector `yaml:"collectors"`
	Report     *Report     `yaml:"report"`
	API        API         `yaml:"api"`

	// Set by validation, never decoded: the file as written stays in the
	// fields above.

	// Location is Timezone loaded; DefaultTimezone when Timezone is empty.
	Location *time.Location `yaml:"-"`
	// Sources are the collectors as validated, in the file's order.
	Sources []Source `yaml:"-"`
	// Delivery is the report section as validated; nil without one.
	Delivery *Delivery `yaml:"-"`
}

// Catalog names a catalog file applied on top of the default catalog.
type Catalog struct {
	File string `yaml:"file"`
}

// Load reads and validates the file at path, with ${NAME} references in
// values read through getenv.
func Load(path string, getenv func(string) string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return Parse(path, b, getenv)
}

// Parse decodes and validates the configuration in b; name is used in
// errors. Unknown keys are errors that name the key and its line.
func Parse(name string, b []byte, getenv func(string) string) (*Config, error) {
	// First pass: strict, on the text as written, so that errors quote no
	// value read from the environment.
	var strict Config
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	if err := dec.Decode(&strict); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("config %s: %v", name, err)
	}
	// Second pass: expand ${NAME} in scalar values, then decode again.
	var root yaml.Node
	if err := yaml.Unmarshal(b, &root); err != nil {
		return nil, fmt.Errorf("config %s: %v", name, err)
	}
	if err := expandNode(&root, getenv); err != nil {
		return nil, fmt.Errorf("config %s: %v", name, err)
	}
	var c Config
	if len(root.Content) > 0 {
		if err := root.Decode(&c); err != nil {
			return nil, fmt.Errorf("config %s: %v", name, err)
		}
	}
	if err := c.validate(); err != nil {
		return nil, fmt.Errorf("config %s: %w", name, err)
	}
	return &c, nil
}

var envRef = regexp.MustCompile(`\$\{([A-Za-z_][A-Za-z0-9_]*)\}`)

// expandNode replaces ${NAME} in every scalar value below n. A name that is
// not set is an error naming it and its line (never its value).
func expandNode(n *yaml.Node, getenv func(string) string) error {
	if n.Kind == yaml.ScalarNode {
		var missing string
		n.Value = envRef.ReplaceAllStringFunc(n.Value, func(m string) string {
			key := envRef.FindStringSubmatch(m)[1]
			v := getenv(key)
			if v == "" && missing == "" {
				missing = key
			}
			return v
		})
		if missing != "" {
			return fmt.Errorf("line %d: environment variable %s is not set", n.Line, missing)
		}
		return nil
	}
	for _, c := range n.Content {
		if err := expandNode(c, getenv); err != nil {
			return err
		}
	}
	return nil
}

func (c *Config) validate() error {
	tz := c.Timezone
	if tz == "" {
		tz = DefaultTimezone
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		return fmt.Errorf("timezone %q: %v", c.Timezone, err)
	}
	c.Location = loc
	if err := c.validateCollectors(); err != nil {
		return err
	}
	if err := c.validateReport(); err != nil {
		return err
	}
	return c.validateAPI()
}
