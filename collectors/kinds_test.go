package collectors_test

import (
	"slices"
	"testing"

	"github.com/bizenv/bizenv/collectors"
	"github.com/bizenv/bizenv/config"
)

// Every source kind the configuration accepts has a constructor, and no
// constructor waits for a kind the configuration refuses.
func TestEveryKindHasASource(t *testing.T) {
	have := collectors.Kinds()
	for _, k := range config.SourceKinds() {
		if have[k] == nil {
			t.Errorf("config accepts kind %s; the Runner cannot build it", k)
		}
	}
	for k := range have {
		if !slices.Contains(config.SourceKinds(), k) {
			t.Errorf("the Runner builds kind %s; config does not accept it", k)
		}
	}
}
