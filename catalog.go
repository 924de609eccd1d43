package bizenv

import (
	"bytes"
	_ "embed"
	"errors"
	"io"
	"regexp"
	"slices"

	"gopkg.in/yaml.v3"
)

//go:embed catalog.yaml
var defaultCatalogYAML []byte

// Catalog is the set of indicators and entities bizenv knows.
type Catalog struct {
	Indicators []Indicator `yaml:"indicators" json:"indicators"`
	Entities   []Entity    `yaml:"entities" json:"entities"`
}

// DefaultCatalog returns the catalog embedded in the binary.
func DefaultCatalog() Catalog {
	c, err := ParseCatalog("catalog.yaml", bytes.NewReader(defaultCatalogYAML))
	if err != nil {
		panic("embedded catalog: " + err.Error()) // a build error, caught by tests
	}
	return c
}

// ParseCatalog decodes a catalog file strictly (an unknown key is an error),
// fills defaults and validates it on its own. References to entities that are
// only in the stored catalog are checked when it is applied.
func ParseCatalog(name string, r io.Reader) (Catalog, error) {
	var c Catalog
	dec := yaml.NewDecoder(r)
	dec.KnownFields(true)
	if err := dec.Decode(&c); err != nil && !errors.Is(err, io.EOF) {
		return Catalog{}, Errorf(EINVALID, "catalog %s: %v", name, err).ZH("目录文件 %s 无法解析：%v", name, err)
	}
	for i := range c.Indicators {
		if c.Indicators[i].Frequency == "" {
			c.Indicators[i].Frequency = Monthly
		}
		if c.Indicators[i].Compare == "" {
			c.Indicators[i].Compare = ComparePrevious
		}
	}
	if err := c.Validate(); err != nil {
		return Catalog{}, Errorf(EINVALID, "catalog %s: %v", name, err).ZH("目录文件 %s 有误：%s", name, ErrorMessageZH(err))
	}
	return c, nil
}

var (
	indicatorCodeRE = regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	entityCodeRE    = regexp.MustCompile(`^[a-z0-9][a-z0-9_.-]{0,62}$`)
)

// ValidIndicatorCode reports whether s can be an indicator code.
func ValidIndicatorCode(s string) bool { return indicatorCodeRE.MatchString(s) }

// ValidEntityCode reports whether s can be an entity code.
func ValidEntityCode(s string) bool { return entityCodeRE.MatchString(s) }

// Validate checks every field of every record. It returns the first problem,
// naming the record.
func (c Catalog) Validate() error {
	seen := map[string]bool{}
	for _, i := range c.Indicators {
		if err := checkRecord("indicator", i.Code, i.NameZH, i.NameEN, ValidIndicatorCode, seen); err != nil {
			return err
		}
		switch {
		case !slices.Contains(Units, i.Unit):
			return Errorf(EINVALID, "indicator %s: unknown unit %q", i.Code, i.Unit).ZH("指标 %s：未知计量单位“%s”", i.Code, i.Unit)
		case !i.Direction.Valid():
			return Errorf(EINVALID, "indicator %s: direction %q: want higher_better, lower_better or neutral", i.Code, i.Direction).
				ZH("指标 %s：方向“%s”无效：应为 higher_better、lower_better 或 neutral", i.Code, i.Direction)
		case i.Frequency != "" && !i.Frequency.Valid():
			return Errorf(EINVALID, "indicator %s: frequency %q: want monthly or annual", i.Code, i.Frequency).
				ZH("指标 %s：频率“%s”无效：应为 monthly 或 annual", i.Code, i.Frequency)
		case i.Category == "":
			return Errorf(EINVALID, "indicator %s: category is required", i.Code).ZH("指标 %s：缺少 category（类别）", i.Code)
		}
		if err := validateItem(i, c.composite); err != nil {
			return err
		}
	}
	seen = map[string]bool{}
	for _, e := range c.Entities {
		if err := checkRecord("entity", e.Code, e.NameZH, e.NameEN, ValidEntityCode, seen); err != nil {
			return err
		}
		switch {
		case !slices.Contains(EntityKinds, e.Kind):
			return Errorf(EINVALID, "entity %s: unknown kind %q", e.Code, e.Kind).ZH("单位 %s：未知类型“%s”", e.Code, e.Kind)
		case e.Parent == e.Code || e.Benchmark == e.Code:
			return Errorf(EINVALID, "entity %s: cannot be its own parent or benchmark", e.Code).
				ZH("单位 %s：不能以自身为上级（parent）或对标单位（benchmark）", e.Code)
		}
	}
	return c.CheckNames()
}

// codeRules says, for each kind of record, what its code must be, in
// English and Chinese.
var codeRules = map[string][2]string{
	"indicator": {"ASCII snake_case", "小写 ASCII 蛇形命名（字母、数字和下划线）"},
	"entity":    {"lower-case ASCII letters, digits, '-', '_' or '.'", "小写 ASCII 字母、数字、“-”“_”或“.”"},
}

// checkRecord checks what every indicator and entity needs: a code that
// valid accepts (codeRules says what it wants), not in seen yet, and both
// names. It adds the code to seen.
func checkRecord(kind, code, nameZH, nameEN string, valid func(string) bool, seen map[string]bool) error {
	zh := kindZH[kind]
	switch {
	case !valid(code):
		rule := codeRules[kind]
		return Errorf(EINVALID, "%s %q: code must be %s", kind, code, rule[0]).ZH("%s代码“%s”无效：应为%s", zh, code, rule[1])
	case seen[code]:
		return Errorf(EINVALID, "%s %s: listed twice", kind, code).ZH("%s %s 重复列出", zh, code)
	case nameZH == "" || nameEN == "":
		return Errorf(EINVALID, "%s %s: name_zh and name_en are required", kind, code).ZH("%s %s：name_zh 和 name_en 均须填写", zh, code)
	}
	seen[code] = true
	return nil
}

// composite finds the composite a part_of names in c. One that is not in c
// may be in the stored catalog c is applied to: it passes here and
// ValidateItems checks it then.
func (c Catalog) composite(code string) (Indicator, bool) {
	if i, ok := c.Indicator(code); ok {
		return i, true
	}
	return Indicator{Code: code, Unit: UnitScore}, true
}

// Indicator returns the indicator with the given code.
func (c Catalog) Indicator(code string) (Indicator, bool) {
	for _, i := range c.Indicators {
		if i.Code == code {
			return i, true
		}
	}
	return Indicator{}, false
}

// Entity returns the entity with the given code.
func (c Catalog) Entity(code string) (Entity, bool) {
	for _, e := range c.Entities {
		if e.Code == code {
			return e, true
		}
	}
	return Entity{}, false
}

// LookupEntity finds an entity by its code or, as spreadsheets write it,
// its Chinese name or an alias; a name two entities share finds neither.
func (c Catalog) LookupEntity(s string) (Entity, bool) {
	e, err := c.FindEntity(s)
	return e, err == nil
}
