// gen-sdk writes the Go and Python SDKs of a Pulumi package schema with Pulumi's own code generators
// (github.com/pulumi/pulumi/pkg/v3/codegen/{go,python}, at the CLI's version): what `pulumi package gen-sdk`
// has the language hosts pulumi-language-go and pulumi-language-python run. Those hosts are not served by the
// Go module proxy, so the CLI cannot generate these SDKs here; this program calls the same generators.
//
//	gen-sdk <schema.json> <out dir> <language>...   (writes <out dir>/<language>/, replacing it)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/blang/semver"
	gogen "github.com/pulumi/pulumi/pkg/v3/codegen/go"
	pygen "github.com/pulumi/pulumi/pkg/v3/codegen/python"
	"github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)

// The tool name the generators write into every file's header.
const tool = "faktory-ha gen-sdk"

// noPackages refuses every package reference: the schema stands alone (its only outside type is pulumi.json#/Any).
type noPackages struct{}

func (noPackages) refuse(name string) error {
	return fmt.Errorf("the schema references package %q: gen-sdk loads no other package", name)
}

func (l noPackages) LoadPackage(name string, _ *semver.Version) (*schema.Package, error) {
	return nil, l.refuse(name)
}

func (l noPackages) LoadPackageV2(_ context.Context, d *schema.PackageDescriptor) (*schema.Package, error) {
	return nil, l.refuse(d.Name)
}

func (l noPackages) LoadPackageReference(name string, _ *semver.Version) (schema.PackageReference, error) {
	return nil, l.refuse(name)
}

func (l noPackages) LoadPackageReferenceV2(
	_ context.Context, d *schema.PackageDescriptor,
) (schema.PackageReference, error) {
	return nil, l.refuse(d.Name)
}

func generate(spec schema.PackageSpec, language string) (map[string][]byte, error) {
	// Bound once per language, as each language host does: generation imports its language's settings.
	pkg, diags, err := schema.BindSpec(spec, noPackages{}, schema.ValidationOptions{AllowDanglingReferences: true})
	if err != nil {
		return nil, err
	}
	if diags.HasErrors() {
		return nil, errors.Join(diags.Errs()...)
	}
	switch language {
	case "go":
		return gogen.GeneratePackage(tool, pkg, nil)
	case "python":
		return pygen.GeneratePackage(tool, pkg, nil, noPackages{})
	}
	return nil, fmt.Errorf("unsupported language %q (go, python)", language)
}

func run(args []string) error {
	if len(args) < 3 {
		return errors.New("usage: gen-sdk <schema.json> <out dir> <language>...")
	}
	text, err := os.ReadFile(args[0])
	if err != nil {
		return err
	}
	var spec schema.PackageSpec
	if err := json.Unmarshal(text, &spec); err != nil {
		return fmt.Errorf("%s: %w", args[0], err)
	}
	for _, language := range args[2:] {
		files, err := generate(spec, language)
		if err != nil {
			return fmt.Errorf("%s: %w", language, err)
		}
		root := filepath.Join(args[1], language)
		if err := os.RemoveAll(root); err != nil {
			return err
		}
		for name, content := range files {
			path := filepath.Join(root, name)
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				return err
			}
			if err := os.WriteFile(path, content, 0o644); err != nil {
				return err
			}
		}
		fmt.Printf("%s: %d files in %s\n", language, len(files), root)
	}
	return nil
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "gen-sdk:", err)
		os.Exit(1)
	}
}
