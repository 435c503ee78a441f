package file

import (
	"bytes"
	"errors"
	"fmt"
	"io"
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
	Resolution        float64       `yaml:"resolution"`
	CandidatesPerTask intValue      `yaml:"candidates_per_task"`
	MaxDistanceKm     float64       `yaml:"max_distance_km"`
	SpeedKmh          float64       `yaml:"speed_kmh"`
	TravelCostPerKm   float64       `yaml:"travel_cost_per_km"`
	Unassigned        unassignedDoc `yaml:"unassigned"`
	Balance           []balanceDoc  `yaml:"balance"`
	StabilityPenalty  float64       `yaml:"stability_penalty"`
}

type unassignedDoc struct {
	Base            float64 `yaml:"base"`
	PerPriority     float64 `yaml:"per_priority"`
	PerWaitingHour  float64 `yaml:"per_waiting_hour"`
	MaxWaitingHours float64 `yaml:"max_waiting_hours"`
}

type balanceDoc struct {
	Above       float64 `yaml:"above"`
	CostPerTask float64 `yaml:"cost_per_task"`
}

// intValue is an int that accepts only YAML integers: go-yaml would
// truncate 2.5 to 2.
type intValue int

// UnmarshalYAML implements yaml.Unmarshaler.
func (v *intValue) UnmarshalYAML(n *yaml.Node) error {
	var i int
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!int" || n.Decode(&i) != nil {
		return &yaml.TypeError{Errors: []string{fmt.Sprintf("line %d: %q is not an integer", n.Line, clip(n.Value))}}
	}
	*v = intValue(i)
	return nil
}

func toDoc(r *paidan.Rules) rulesDoc {
	d := rulesDoc{
		Resolution:        r.Resolution,
		CandidatesPerTask: intValue(r.CandidatesPerTask),
		MaxDistanceKm:     r.MaxDistanceKm,
		SpeedKmh:          r.SpeedKmh,
		TravelCostPerKm:   r.TravelCostPerKm,
		Unassigned:        unassignedDoc(r.Unassigned),
		Balance:           make([]balanceDoc, len(r.Balance)),
		StabilityPenalty:  r.StabilityPenalty,
	}
	for i, t := range r.Balance {
		d.Balance[i] = balanceDoc(t)
	}
	return d
}

func (d *rulesDoc) rules() paidan.Rules {
	r := paidan.Rules{
		Resolution:        d.Resolution,
		CandidatesPerTask: int(d.CandidatesPerTask),
		MaxDistanceKm:     d.MaxDistanceKm,
		SpeedKmh:          d.SpeedKmh,
		TravelCostPerKm:   d.TravelCostPerKm,
		Unassigned:        paidan.UnassignedPenalty(d.Unassigned),
		StabilityPenalty:  d.StabilityPenalty,
	}
	for _, t := range d.Balance {
		r.Balance = append(r.Balance, paidan.BalanceTier(t))
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
		return paidan.Rules{}, yamlError(source, err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err != io.EOF {
		return paidan.Rules{}, &paidan.InputError{Source: source, Line: extra.Line,
			Err: fmt.Errorf("more than one YAML document: %w", paidan.ErrSyntax)}
	}
	lines, null := ruleKeys(data)
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

// yamlLine matches the position in a go-yaml error message.
const yamlLine = `line (\d+): (.*)`

// yamlError converts a go-yaml error into *paidan.InputError values, one per
// problem, joined. go-yaml reports positions only inside its messages.
func yamlError(source string, err error) error {
	re := regexp.MustCompile(yamlLine)
	toInput := func(msg string, sentinel error) *paidan.InputError {
		e := &paidan.InputError{Source: source}
		if m := re.FindStringSubmatch(msg); m != nil {
			e.Line, _ = strconv.Atoi(m[1])
			msg = m[2]
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

// ruleKeys returns the line of every key of a rules document that decoded
// without error, by path ("unassigned.base", "balance[1].above"), and the
// path of the first key whose value is null ("" if none is).
func ruleKeys(data []byte) (lines map[string]int, null string) {
	lines = make(map[string]int)
	var root yaml.Node
	if yaml.Unmarshal(data, &root) != nil || len(root.Content) == 0 {
		return lines, ""
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
	}
	walk(root.Content[0], "")
	return lines, null
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
