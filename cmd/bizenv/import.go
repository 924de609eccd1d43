package main

import (
	"context"
	"errors"
)

func runImport(ctx context.Context, env *environment, args []string) error {
	return errors.New("import: not built yet")
}
