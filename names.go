package bizenv

import (
	"fmt"
	"strings"
	"unicode"
)

// NameKey is how a name is compared when it is looked up: trimmed, with
// full-width ASCII forms (（）, ０-９, Ａ-Ｚ...) read as ASCII, so that
// 武汉经开区(汉南区) finds 武汉经开区（汉南区）. Case matters, as in codes.
func NameKey(s string) string {
	s = strings.TrimFunc(s, func(r rune) bool {
		return unicode.IsSpace(r) || r == '\ufeff' || r == '\u200b'
	})
	return strings.Map(func(r rune) rune {
		switch {
		case r >= '\uff01' && r <= '\uff5e':
			r -= 0xfee0
		case r == '\u3000':
			r = ' '
		}
		return r
	}, s)
}

// Names finds indicators and entities by code, name_zh or alias. Build it
// once with Catalog.Names and use it for many look-ups.
type Names struct {
	cat        Catalog             // the catalog indexed, for the records
	indicators map[string][]string // NameKey -> the codes it names
	entities   map[string][]string
}

// Names returns the index of c's codes, Chinese names and aliases. A name
// that two records share (two entities with one name_zh, say) names neither:
// the look-up reports both.
func (c Catalog) Names() *Names {
	n := &Names{cat: c, indicators: map[string][]string{}, entities: map[string][]string{}}
	add := func(m map[string][]string, name, code string) {
		k := NameKey(name)
		if k == "" {
			return
		}
		for _, c := range m[k] {
			if c == code {
				return
			}
		}
		m[k] = append(m[k], code)
	}
	// Codes first: a code always names its own record, even where it is
	// someone else's alias too (Validate refuses that, but the stored
	// catalog is not re-validated on every read).
	for _, i := range c.Indicators {
		add(n.indicators, i.Code, i.Code)
	}
	for _, e := range c.Entities {
		add(n.entities, e.Code, e.Code)
	}
	for _, i := range c.Indicators {
		add(n.indicators, i.NameZH, i.Code)
		for _, a := range i.Aliases {
			add(n.indicators, a, i.Code)
		}
	}
	for _, e := range c.Entities {
		add(n.entities, e.NameZH, e.Code)
		for _, a := range e.Aliases {
			add(n.entities, a, e.Code)
		}
	}
	return n
}

// Indicator returns the code of the indicator name names: its code, its
// name_zh or one of its aliases. codes lists every indicator the name
// could mean when it is ambiguous (len > 1); both are empty when no
// indicator goes by it.
func (n *Names) Indicator(name string) (code string, codes []string) {
	return lookup(n.indicators, name)
}

// Entity is Indicator for entities.
func (n *Names) Entity(name string) (code string, codes []string) {
	return lookup(n.entities, name)
}

func lookup(m map[string][]string, name string) (string, []string) {
	cs, ok := m[name] // codes are their own keys: no key to build
	if !ok {
		name = NameKey(name)
		cs = m[name]
	}
	for _, c := range cs {
		if c == name { // a code names its own record, whoever else it names
			return c, []string{c}
		}
	}
	if len(cs) == 1 {
		return cs[0], cs
	}
	return "", cs
}

// CheckNames refuses a name that would mean two records: an alias that two
// indicators (or two entities) share, or that is another one's code or
// name_zh. The error names both holders. Validate runs it; run it on its
// own on a catalog merged from a stored one and a file being applied: an
// alias in the file may clash with a record only the stored catalog has.
func (c Catalog) CheckNames() error {
	type holder struct{ code, as string }
	check := func(kind string, records []namedRecord) error {
		owner := map[string]holder{}
		for _, r := range records {
			owner[NameKey(r.code)] = holder{r.code, "code"}
		}
		for _, r := range records {
			k := NameKey(r.nameZH)
			if h, ok := owner[k]; ok && h.code != r.code && h.as == "code" {
				return Errorf(EINVALID, "%s %s: name_zh %q is the code of %s %s", kind, r.code, r.nameZH, kind, h.code).
					ZH("%s %s 的中文名称“%s”是%s %s 的代码", kindZH[kind], r.code, r.nameZH, kindZH[kind], h.code)
			}
			if _, ok := owner[k]; !ok && k != "" {
				owner[k] = holder{r.code, "name_zh"}
			}
		}
		for _, r := range records {
			for _, a := range r.aliases {
				k := NameKey(a)
				if k == "" {
					return Errorf(EINVALID, "%s %s: empty alias", kind, r.code).ZH("%s %s 有空别名", kindZH[kind], r.code)
				}
				h, ok := owner[k]
				switch {
				case !ok:
					owner[k] = holder{r.code, "alias"}
				case h.code == r.code:
					// its own name twice: harmless
				default:
					return Errorf(EINVALID, "%s alias %q is ambiguous: it is an alias of %s %s and the %s of %s %s",
						kind, a, kind, r.code, h.as, kind, h.code).
						ZH("%s别名“%s”有歧义：它是%s %s 的别名，又是%s %s 的%s",
							kindZH[kind], a, kindZH[kind], r.code, kindZH[kind], h.code, asZH[h.as])
				}
			}
		}
		return nil
	}
	var inds, ents []namedRecord
	for _, i := range c.Indicators {
		inds = append(inds, namedRecord{i.Code, i.NameZH, i.Aliases})
	}
	for _, e := range c.Entities {
		ents = append(ents, namedRecord{e.Code, e.NameZH, e.Aliases})
	}
	if err := check("indicator", inds); err != nil {
		return err
	}
	return check("entity", ents)
}

type namedRecord struct {
	code, nameZH string
	aliases      []string
}

// Merge returns c with o's records added, and o's version of the records
// both have.
func (c Catalog) Merge(o Catalog) Catalog {
	return Catalog{
		Indicators: mergeByCode(c.Indicators, o.Indicators, func(i Indicator) string { return i.Code }),
		Entities:   mergeByCode(c.Entities, o.Entities, func(e Entity) string { return e.Code }),
	}
}

// mergeByCode returns a's records followed by b's new ones, with b's
// version of the records both have, in a's place.
func mergeByCode[T any](a, b []T, code func(T) string) []T {
	var m []T
	seen := map[string]int{}
	for _, r := range append(append([]T(nil), a...), b...) {
		if n, ok := seen[code(r)]; ok {
			m[n] = r
			continue
		}
		seen[code(r)] = len(m)
		m = append(m, r)
	}
	return m
}

// FindIndicator returns the indicator name names (its code, name_zh or an
// alias). Errors: ENOTFOUND when none does, EINVALID when the name is
// ambiguous; both with a Chinese message too (see NameError).
// It builds the index of names for one look-up: for many, build it once
// with Names and use Names.FindIndicator.
func (c Catalog) FindIndicator(name string) (Indicator, error) {
	return c.Names().FindIndicator(name)
}

// FindEntity is FindIndicator for entities.
func (c Catalog) FindEntity(name string) (Entity, error) {
	return c.Names().FindEntity(name)
}

// FindIndicator is Catalog.FindIndicator on the catalog n indexes.
func (n *Names) FindIndicator(name string) (Indicator, error) {
	return find("indicator", name, n.Indicator, n.cat.Indicator)
}

// FindEntity is Catalog.FindEntity on the catalog n indexes.
func (n *Names) FindEntity(name string) (Entity, error) {
	return find("entity", name, n.Entity, n.cat.Entity)
}

// find looks name up with names and returns the record get has for the
// code it finds, or NameError.
func find[T any](kind, name string, names func(string) (string, []string), get func(string) (T, bool)) (T, error) {
	code, codes := names(name)
	if len(codes) <= 1 {
		if r, ok := get(code); ok {
			return r, nil
		}
	}
	var none T
	err := NameError(kind, name, codes)
	if err.Code == ENOTFOUND {
		// A reader asking by name learns which names count.
		err.MessageZH += fmt.Sprintf("：请使用%s代码、中文名称或别名", kindZH[kind])
	}
	return none, err
}

// asZH is the Chinese for how a record holds a name.
var asZH = map[string]string{"code": "代码", "name_zh": "中文名称", "alias": "别名"}

// kindZH is the Chinese word for each kind of record NameError names.
var kindZH = map[string]string{"indicator": "指标", "entity": "单位"}

// NameError is the error of a name that finds no record of kind
// ("indicator" or "entity"): ENOTFOUND; or EINVALID, naming them, when it
// could mean each of codes (two or more). It carries a Chinese message.
func NameError(kind, name string, codes []string) *Error {
	zh := kindZH[kind]
	if len(codes) > 1 {
		return &Error{Code: EINVALID,
			Message:   fmt.Sprintf("%s %q is ambiguous: it may be %s", kind, name, strings.Join(codes, " or ")),
			MessageZH: fmt.Sprintf("%s“%s”有歧义：可能是 %s", zh, name, strings.Join(codes, " 或 "))}
	}
	return &Error{Code: ENOTFOUND, Message: fmt.Sprintf("unknown %s %q", kind, name),
		MessageZH: fmt.Sprintf("未知%s“%s”", zh, name)}
}
