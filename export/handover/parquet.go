package handover

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	parquetgo "github.com/parquet-go/parquet-go"
	"github.com/parquet-go/parquet-go/compress/zstd"
)

// batchRows is how many rows a table file buffers before handing them to
// the Parquet writer, and rowGroupRows how many make a row group: together
// they bound a table's memory, whatever its size.
const (
	batchRows    = 1024
	rowGroupRows = 16 * 1024
)

// leaf is where one exported column's values go in a Parquet row.
type leaf struct {
	kind  Kind
	index int // column index in the Parquet schema (fields sorted by name)
}

// tableFile streams one table's rows into a Parquet file.
type tableFile struct {
	name   string
	f      *os.File
	hash   hash.Hash
	n      int64 // bytes written
	pw     *parquetgo.GenericWriter[any]
	leaves []leaf // per exported column, in the Source's column order
	order  []int  // exported column positions by Parquet column index
	batch  []parquetgo.Row
	rows   int64
}

// parquetNode is the Parquet node of a column of kind k: every column is
// optional, so that NULL round-trips whatever the constraints say.
func parquetNode(k Kind) parquetgo.Node {
	var n parquetgo.Node
	switch k {
	case KindBool:
		n = parquetgo.Leaf(parquetgo.BooleanType)
	case KindInt:
		n = parquetgo.Int(64)
	case KindFloat:
		n = parquetgo.Leaf(parquetgo.DoubleType)
	case KindTimestampTZ:
		n = parquetgo.TimestampAdjusted(parquetgo.Microsecond, true)
	case KindTimestamp:
		n = parquetgo.TimestampAdjusted(parquetgo.Microsecond, false)
	case KindDate:
		n = parquetgo.Date()
	case KindJSON:
		n = parquetgo.JSON()
	case KindBytes:
		n = parquetgo.Leaf(parquetgo.ByteArrayType)
	case KindTextList:
		n = parquetgo.List(parquetgo.Optional(parquetgo.String()))
	default:
		n = parquetgo.String()
	}
	return parquetgo.Optional(n)
}

// newTableFile starts the Parquet file of table t's columns cols in f,
// with the table's name and comment as key-value metadata.
func newTableFile(f *os.File, t Table, cols []Column) (*tableFile, error) {
	group := parquetgo.Group{}
	for _, c := range cols {
		group[c.Name] = parquetNode(c.Kind)
	}
	schema := parquetgo.NewSchema(t.Name, group)
	tf := &tableFile{name: t.Name + ".parquet", f: f, hash: sha256.New(), leaves: make([]leaf, len(cols)),
		order: make([]int, len(cols)), batch: make([]parquetgo.Row, 0, batchRows)}
	for i, c := range cols {
		path := []string{c.Name}
		if c.Kind == KindTextList {
			path = append(path, "list", "element")
		}
		lc, ok := schema.Lookup(path...)
		if !ok {
			return nil, fmt.Errorf("parquet schema of %s: no column %s", t.Name, c.Name)
		}
		tf.leaves[i] = leaf{kind: c.Kind, index: lc.ColumnIndex}
		tf.order[lc.ColumnIndex] = i
	}
	tf.pw = parquetgo.NewGenericWriter[any](io.MultiWriter(countWriter{&tf.n, f}, tf.hash), schema,
		parquetgo.Compression(&zstd.Codec{}), parquetgo.MaxRowsPerRowGroup(rowGroupRows),
		parquetgo.KeyValueMetadata("paidan.table", "paidan."+t.Name),
		parquetgo.KeyValueMetadata("paidan.comment", t.Comment))
	return tf, nil
}

type countWriter struct {
	n *int64
	w io.Writer
}

func (c countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	*c.n += int64(n)
	return n, err
}

// write adds one row, vals in the order of the columns newTableFile got.
func (t *tableFile) write(vals []Value) error {
	row := make(parquetgo.Row, 0, len(vals))
	for _, i := range t.order {
		row = appendValue(row, t.leaves[i], &vals[i])
	}
	t.batch = append(t.batch, row)
	if len(t.batch) == cap(t.batch) {
		return t.flush()
	}
	return nil
}

// appendValue appends the Parquet values of v, with their repetition and
// definition levels, to row.
func appendValue(row parquetgo.Row, l leaf, v *Value) parquetgo.Row {
	if v.Null {
		return append(row, parquetgo.NullValue().Level(0, 0, l.index))
	}
	var pv parquetgo.Value
	switch l.kind {
	case KindBool:
		pv = parquetgo.BooleanValue(v.Bool)
	case KindInt, KindTimestampTZ, KindTimestamp:
		pv = parquetgo.Int64Value(v.Int)
	case KindDate:
		pv = parquetgo.Int32Value(int32(v.Int))
	case KindFloat:
		pv = parquetgo.DoubleValue(v.Float)
	case KindBytes:
		pv = parquetgo.ByteArrayValue(v.Bytes)
	case KindTextList:
		// optional list (level 1) > repeated list (rep 1, def 2) > optional element (def 3)
		if len(v.List) == 0 {
			return append(row, parquetgo.NullValue().Level(0, 1, l.index))
		}
		for j, e := range v.List {
			rep := min(j, 1)
			if e == nil {
				row = append(row, parquetgo.NullValue().Level(rep, 2, l.index))
			} else {
				row = append(row, parquetgo.ByteArrayValue([]byte(*e)).Level(rep, 3, l.index))
			}
		}
		return row
	default:
		pv = parquetgo.ByteArrayValue([]byte(v.Text))
	}
	return append(row, pv.Level(0, 1, l.index))
}

func (t *tableFile) flush() error {
	if len(t.batch) == 0 {
		return nil
	}
	if _, err := t.pw.WriteRows(t.batch); err != nil {
		return fmt.Errorf("write %s: %w", t.name, err)
	}
	t.rows += int64(len(t.batch))
	clear(t.batch)
	t.batch = t.batch[:0]
	return nil
}

// finish flushes, closes the Parquet writer, syncs and closes the file.
func (t *tableFile) finish() (rows, bytes int64, sum string, err error) {
	err = t.flush()
	if err == nil {
		err = t.pw.Close()
	}
	if err == nil {
		err = t.f.Sync()
	}
	if err = errors.Join(err, t.f.Close()); err != nil {
		return 0, 0, "", fmt.Errorf("write %s: %w", t.name, err)
	}
	return t.rows, t.n, hex.EncodeToString(t.hash.Sum(nil)), nil
}
