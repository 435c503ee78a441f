package file_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/paidan/paidan/datasets"
	"github.com/paidan/paidan/ingest/file"
)

// BenchmarkLoad loads generated datasets; MB/s counts the bytes of the
// tasks and workers files per wall second, MB/cpu-s per second of CPU
// time of the whole process (GC included), which a busy machine does not
// distort.
//
// Generated ids are in increasing order, which spares Load its hash set of
// ids; order=shuffled measures the general case.
func BenchmarkLoad(b *testing.B) {
	for _, format := range []file.Format{file.CSV, file.Parquet} {
		for _, n := range []int{10_000, 100_000, 1_000_000} {
			b.Run(fmt.Sprintf("%s/tasks=%d", format, n), func(b *testing.B) {
				benchmarkLoad(b, format, n, false)
			})
		}
	}
	b.Run("csv/tasks=1000000/order=shuffled", func(b *testing.B) {
		benchmarkLoad(b, file.CSV, 1_000_000, true)
	})
}

func benchmarkLoad(b *testing.B, format file.Format, n int, shuffle bool) {
	dir := b.TempDir()
	batch := datasets.Generate(datasets.GenOptions{Tasks: n, Seed: 1})
	if shuffle {
		rng := rand.New(rand.NewPCG(1, 2))
		rng.Shuffle(len(batch.Tasks), func(i, j int) { batch.Tasks[i], batch.Tasks[j] = batch.Tasks[j], batch.Tasks[i] })
	}
	if err := file.Write(context.Background(), dir, batch, file.WriteOptions{Format: format}); err != nil {
		b.Fatal(err)
	}
	var size int64
	for _, name := range []string{"tasks", "workers"} {
		st, err := os.Stat(filepath.Join(dir, name+"."+format.String()))
		if err != nil {
			b.Fatal(err)
		}
		size += st.Size()
	}
	b.SetBytes(size)
	b.ReportAllocs()
	cpu := cpuTime()
	for b.Loop() {
		if _, err := file.Load(context.Background(), dir, file.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	if cpu := cpuTime() - cpu; cpu > 0 {
		b.ReportMetric(float64(size)*float64(b.N)/1e6/cpu.Seconds(), "MB/cpu-s")
		b.ReportMetric(float64(n)*float64(b.N)/cpu.Seconds(), "tasks/cpu-s")
	}
}

func BenchmarkWrite(b *testing.B) {
	for _, format := range []file.Format{file.CSV, file.Parquet} {
		b.Run(fmt.Sprintf("%s/tasks=100000", format), func(b *testing.B) {
			batch := datasets.Generate(datasets.GenOptions{Tasks: 100_000, Seed: 1})
			b.ReportAllocs()
			for b.Loop() {
				if err := file.Write(context.Background(), b.TempDir(), batch, file.WriteOptions{Format: format}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
