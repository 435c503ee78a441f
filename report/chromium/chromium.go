// Package chromium prints a report's HTML to PDF with headless Chromium
// (Debian's chromium package), driven over the DevTools protocol by
// chromedp. The page is printed as its CSS says (@page: A4 landscape), with
// backgrounds.
//
//	files, err := rep.WriteDir(ctx, dir, formats, time.Now(), chromium.Print)
package chromium

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"

	"github.com/chromedp/chromedp"
)

// binaries are the names Chromium is looked up as on PATH, in order.
func binaries() []string {
	return []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"}
}

// Find returns the path of the Chromium binary, or an error saying how to
// install it.
func Find() (string, error) {
	for _, b := range binaries() {
		if p, err := exec.LookPath(b); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no Chromium found (looked for %v on PATH); install it, e.g. apt-get install -y chromium", binaries())
}

// Allocate starts a headless Chromium for ctx; cancel stops it. Sandboxing
// is off when running as root, which Chromium refuses otherwise.
func Allocate(ctx context.Context) (context.Context, context.CancelFunc, error) {
	bin, err := Find()
	if err != nil {
		return nil, nil, err
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(bin), chromedp.Flag("disable-gpu", true))
	if os.Geteuid() == 0 {
		opts = append(opts, chromedp.NoSandbox)
	}
	actx, cancelA := chromedp.NewExecAllocator(ctx, opts...)
	bctx, cancelB := chromedp.NewContext(actx)
	return bctx, func() { cancelB(); cancelA() }, nil
}

// FileURL is the file:// URL of path.
func FileURL(path string) (string, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return "", err
	}
	return (&url.URL{Scheme: "file", Path: abs}).String(), nil
}

// Print prints the HTML file htmlPath to the PDF file pdfPath.
func Print(ctx context.Context, htmlPath, pdfPath string) error {
	bctx, cancel, err := Allocate(ctx)
	if err != nil {
		return err
	}
	defer cancel()
	u, err := FileURL(htmlPath)
	if err != nil {
		return err
	}
	if err := chromedp.Do(bctx, chromedp.Navigate(u)); err != nil {
		return fmt.Errorf("chromium: open %s: %w", htmlPath, err)
	}
	pdf, err := chromedp.Run(bctx, chromedp.PrintToPDF(chromedp.PDFPreferCSSPageSize(), chromedp.PDFPrintBackground()))
	if err != nil {
		return fmt.Errorf("chromium: print %s: %w", htmlPath, err)
	}
	if err := os.WriteFile(pdfPath, pdf, 0o644); err != nil {
		return fmt.Errorf("chromium: %w", err)
	}
	return nil
}
