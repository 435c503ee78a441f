package file

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"math/big"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"

	"github.com/paidan/paidan"
	"go.yaml.in/yaml/v3"
)

// MaxRulesBytes bounds the size of a rules file.
const MaxRulesBytes = 1 << 20

// rulesDoc is the YAML form of paidan.Rules. Keys are the snake_case names
// that paidan.Rules.Validate uses in its errors.
type rulesDoc struct {
	Resolution        numValue      `yaml:"resolution"`
	CandidatesPerTask intValue      `yaml:"candidates_per_task"`
	MaxDistanceKm     numValue      `yaml:"max_distance_km"`
	SpeedKmh          numValue      `yaml:"speed_kmh"`
	TravelCostPerKm   numValue      `yaml:"travel_cost_per_km"`
	Unassigned        unassignedDoc `yaml:"unassigned"`
	Balance           []balanceDoc  `yaml:"balance"`
	StabilityPenalty  numValue      `yaml:"stability_penalty"`
}

type unassignedDoc struct {
	Base            numValue `yaml:"base"`
	PerPriority     numValue `yaml:"per_priority"`
	PerWaitingHour  numValue `yaml:"per_waiting_hour"`
	MaxWaitingHours numValue `yaml:"max_waiting_hours"`
}

type balanceDoc struct {
	Above       numValue `yaml:"above"`
	CostPerTask numValue `yaml:"cost_per_task"`
}

// typeError reports a value of the wrong type at node n, in the form
// yamlError reads back: "line L: column C: message".
func typeError(n *yaml.Node, format string, args ...any) error {
	return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: column %d: ", n.Line, n.Column) + fmt.Sprintf(format, args...)}}
}

// describe names a YAML value for an error: its text, or its kind.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a mapping"
	}
	return strconv.Quote(clip(n.Value))
}

// numValue is a rule number: a YAML integer or float whose decimal, as
// written, float64 keeps exactly (its exact value is
// paidan.ExactValue of the float64, the shortest decimal that reads back
// as it). A number with more significant digits than that is refused
// rather than silently changed.
type numValue float64

// UnmarshalYAML implements yaml.Unmarshaler.
func (v *numValue) UnmarshalYAML(n *yaml.Node) error {
	var f float64
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") || n.Decode(&f) != nil {
		return typeError(n, "%s is not a number", describe(n))
	}
	if !math.IsNaN(f) && !math.IsInf(f, 0) {
		// Validate reports NaN and infinities; a finite decimal must be
		// kept exactly.
		if written, ok := new(big.Rat).SetString(n.Value); ok && written.Cmp(paidan.ExactValue(f)) != 0 {
			return typeError(n, "%s has more significant digits than a rule number keeps exactly (15 always fit)", clip(n.Value))
		}
	}
	*v = numValue(f)
	return nil
}

// intValue is an int that accepts only YAML integers: go-yaml would
// truncate 2.5 to 2.
type intValue int

// UnmarshalYAML implements yaml.Unmarshaler.
func (v *intValue) UnmarshalYAML(n *yaml.Node) error {
	var i int
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil {
		return typeError(n, "%s is not an integer", describe(n))
	}
	*v = intValue(i)
	return nil
}

func toDoc(r *paidan.Rules) rulesDoc {
	d := rulesDoc{
		Resolution:        numValue(r.Resolution),
		CandidatesPerTask: intValue(r.CandidatesPerTask),
		MaxDistanceKm:     numValue(r.MaxDistanceKm),
		SpeedKmh:          numValue(r.SpeedKmh),
		TravelCostPerKm:   numValue(r.TravelCostPerKm),
		Unassigned: unassignedDoc{
			Base:            numValue(r.Unassigned.Base),
			PerPriority:     numValue(r.Unassigned.PerPriority),
			PerWaitingHour:  numValue(r.Unassigned.PerWaitingHour),
			MaxWaitingHours: numValue(r.Unassigned.MaxWaitingHours),
		},
		Balance:          make([]balanceDoc, len(r.Balance)),
		StabilityPenalty: numValue(r.StabilityPenalty),
	}
	for i, t := range r.Balance {
		d.Balance[i] = balanceDoc{Above: numValue(t.Above), CostPerTask: numValue(t.CostPerTask)}
	}
	return d
}

func (d *rulesDoc) rules() paidan.Rules {
	r := paidan.Rules{
		Resolution:        float64(d.Resolution),
		CandidatesPerTask: int(d.CandidatesPerTask),
		MaxDistanceKm:     float64(d.MaxDistanceKm),
		SpeedKmh:          float64(d.SpeedKmh),
		TravelCostPerKm:   float64(d.TravelCostPerKm),
		Unassigned: paidan.UnassignedPenalty{
			Base:            float64(d.Unassigned.Base),
			PerPriority:     float64(d.Unassigned.PerPriority),
			PerWaitingHour:  float64(d.Unassigned.PerWaitingHour),
			MaxWaitingHours: float64(d.Unassigned.MaxWaitingHours),
		},
		StabilityPenalty: float64(d.StabilityPenalty),
	}
	for _, t := range d.Balance {
		r.Balance = append(r.Balance, paidan.BalanceTier{Above: float64(t.Above), CostPerTask: float64(t.CostPerTask)})
	}
	return r
}

// LoadRules reads and validates the rules file at path; see ReadRules.
func LoadRules(path string) (paidan.Rules, error) {
	f, err := os.Open(path)
	if err != nil {
		return paidan.Rules{}, err
	}
	defer f.Close()
	return ReadRules(f, filepath.Base(path))
}

// ReadRules reads a rules document from r and validates it. Keys missing
// from the document keep their paidan.DefaultRules value; a key without a
// value (null) is an error; an empty balance list ("balance: []") means no
// balancing. An empty document gives the defaults.
//
// Errors are *paidan.InputError values with the given source and the line
// of the offending key (0 when YAML does not say), wrapping
// paidan.ErrUnknownKey for a key that is not a rule, paidan.ErrSyntax for
// malformed YAML or a value of the wrong type, paidan.ErrMissingValue for
// a null value, paidan.ErrTooLong for a
// document over MaxRulesBytes, and otherwise the error of
// paidan.Rules.Validate.
func ReadRules(r io.Reader, source string) (paidan.Rules, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxRulesBytes+1))
	if err != nil {
		return paidan.Rules{}, err
	}
	if len(data) > MaxRulesBytes {
		return paidan.Rules{}, &paidan.InputError{Source: source,
			Err: fmt.Errorf("more than %d bytes: %w", MaxRulesBytes, paidan.ErrTooLong)}
	}
	doc := toDoc(new(paidan.DefaultRules()))
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	switch err := dec.Decode(&doc); {
	case err == io.EOF:
		return paidan.DefaultRules(), nil
	case err != nil:
		return paidan.Rules{}, yamlError(source, data, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		return paidan.Rules{}, &paidan.InputError{Source: source, Line: extra.Line,
			Err: fmt.Errorf("more than one YAML document: %w", paidan.ErrSyntax)}
	}
	lines, _, null := ruleKeys(data)
	if null != "" {
		return paidan.Rules{}, &paidan.InputError{Source: source, Line: lines[null], Key: null,
			Err: fmt.Errorf("no value: %w", paidan.ErrMissingValue)}
	}
	rules := doc.rules()
	if err := rules.Validate(); err != nil {
		// Validate names the key first: "balance[1].above: ...".
		key, _, _ := strings.Cut(err.Error(), ":")
		return paidan.Rules{}, &paidan.InputError{Source: source, Line: keyLine(lines, key), Err: err}
	}
	return rules, nil
}

// WriteRules writes rules as a YAML document that ReadRules reads back
// equal, every key present.
func WriteRules(w io.Writer, rules *paidan.Rules) error {
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(toDoc(rules)); err != nil {
		return fmt.Errorf("write rules: %w", err)
	}
	return enc.Close()
}

// yamlLine matches the position in a go-yaml error message, and the
// column numValue and intValue add.
const yamlLine = `line (\d+): (?:column (\d+): )?(.*)`

// yamlError converts a go-yaml error into *paidan.InputError values, one per
// problem, joined. go-yaml reports positions only inside its messages; a
// value of the wrong type is named by its key, found in data.
func yamlError(source string, data []byte, err error) error {
	re := regexp.MustCompile(yamlLine)
	_, values, _ := ruleKeys(data)
	toInput := func(msg string, sentinel error) *paidan.InputError {
		e := &paidan.InputError{Source: source}
		if m := re.FindStringSubmatch(msg); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			col, _ := strconv.Atoi(m[2])
			e.Key = values[[2]int{e.Line, col}]
			msg = m[3]
		}
		msg = strings.TrimPrefix(msg, "yaml: ")
		if key, ok := strings.CutPrefix(msg, "field "); ok && strings.Contains(key, " not found in type ") {
			e.Key, _, _ = strings.Cut(key, " ")
			e.Err = fmt.Errorf("not a rules key: %w", paidan.ErrUnknownKey)
			return e
		}
		e.Err = fmt.Errorf("%s: %w", msg, sentinel)
		return e
	}
	te, ok := errors.AsType[*yaml.TypeError](err)
	if !ok {
		return toInput(err.Error(), paidan.ErrSyntax)
	}
	errs := make([]error, len(te.Errors))
	for i, msg := range te.Errors {
		errs[i] = toInput(msg, paidan.ErrSyntax)
	}
	return errors.Join(errs...)
}

// ruleKeys returns the line of every key of a rules document, by path
// ("unassigned.base", "balance[1].above"), the path of every scalar value
// by its line and column, and the path of the first key whose value is
// null ("" if none is).
func ruleKeys(data []byte) (lines map[string]int, values map[[2]int]string, null string) {
	lines, values = make(map[string]int), make(map[[2]int]string)
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil || len(root.Content) == 0 {
		return lines, values, ""
	}
	var walk func(n *yaml.Node, path string)
	walk = func(n *yaml.Node, path string) {
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				p := n.Content[i].Value
				if path != "" {
					p = path + "." + p
				}
				lines[p] = n.Content[i].Line
				if v := n.Content[i+1]; v.ShortTag() == "!!null" && null == "" {
					null = p
				}
				walk(n.Content[i+1], p)
			}
		case yaml.SequenceNode:
			for i, c := range n.Content {
				p := fmt.Sprintf("%s[%d]", path, i)
				lines[p] = c.Line
				walk(c, p)
			}
		}
		if path != "" {
			values[[2]int{n.Line, n.Column}] = path
		}
	}
	walk(root.Content[0], "")
	return lines, values, null
}

// keyLine returns the line of key, or of its nearest enclosing key present
// in lines; 0 when none is.
func keyLine(lines map[string]int, key string) int {
	for key != "" {
		if line, ok := lines[key]; ok {
			return line
		}
		i := strings.LastIndexAny(key, ".[")
		if i < 0 {
			break
		}
		key = key[:i]
	}
	return 0
}
