package storefront

import (
	"bytes"
	"encoding/json"
	"html"
	"html/template"
	"net/http"
	"strings"

	"github.com/cartwright-agent/cartwright/skills"
)

// site is what every template sees as .Site.
type site struct {
	s         *Shop
	Name      string
	CartCount int
}

func (v site) Home() string       { return v.s.prefix + "/" }
func (v site) Search() string     { return v.s.url(v.s.theme.routes.search) }
func (v site) Cart() string       { return v.s.url(v.s.theme.routes.cart) }
func (v site) CartAdd() string    { return v.s.url(v.s.theme.routes.cartAdd) }
func (v site) CartUpdate() string { return v.s.url(v.s.theme.routes.cartUpdate) }
func (v site) CartEmpty() string  { return v.s.url(v.s.theme.routes.cartEmpty) }
func (v site) Checkout() string   { return v.s.url(v.s.theme.routes.checkout) }
func (v site) Info() string       { return v.s.url(v.s.theme.routes.info) }
func (v site) Product(sku string) string {
	return v.s.productURL(sku)
}

// Parent links a variant to its product's page (the group's first
// variant), the way shops that list variants separately often do.
func (v site) Parent(p skills.Product) string {
	if p.Group != "" {
		if vs := v.s.e.Variants(p.Group); len(vs) > 0 {
			return v.s.productURL(vs[0].SKU)
		}
	}
	return v.s.productURL(p.SKU)
}

func (v site) Refund(id string) string { return v.s.url(v.s.theme.routes.refund, id) }
func (v site) CartWord() string        { return v.s.theme.cartWord }

// render executes a page template. Rendering into a buffer first means a
// template error becomes a clean 500 page, not half a page.
func (s *Shop) render(w http.ResponseWriter, r *http.Request, status int, name string, data map[string]any) {
	st := site{s: s, Name: s.e.Info().Name}
	if st.Name == "" {
		st.Name = s.e.ID()
	}
	if ct := s.cartFor(nil, r, false); ct != nil {
		if ses, err := s.session(r.Context(), ct); err == nil && ses != nil {
			for _, l := range ses.Lines {
				st.CartCount += l.Quantity
			}
		}
	}
	data["Site"] = st
	var buf bytes.Buffer
	if err := s.theme.tmpl.ExecuteTemplate(&buf, name, data); err != nil {
		s.log.Error("storefront template", "merchant", s.e.ID(), "page", name, "err", err)
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("Something went wrong. Please try again.\n"))
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// field renders one labelled input of a checkout form with its error.
// Every value is escaped here; the result is trusted HTML.
func field(f checkoutForm, key, id, name, label, auto, value string) template.HTML {
	var b strings.Builder
	e := html.EscapeString
	b.WriteString(`<div class="field"><label for="` + e(id) + `">` + e(label) + `</label>`)
	b.WriteString(`<input id="` + e(id) + `" name="` + e(name) + `" autocomplete="` + e(auto) + `" value="` + e(value) + `">`)
	if msg := f.Errors[key]; msg != "" {
		b.WriteString(`<span class="field-error" role="alert" id="` + e(id) + `-error">` + e(msg) + `</span>`)
	}
	b.WriteString(`</div>`)
	return template.HTML(b.String())
}

func jsonAttr(v any) (string, error) {
	b, err := json.Marshal(v)
	return string(b), err
}

// plainMoney renders an amount as "CNY 18.00" (the Bazaar theme's style).
func plainMoney(m skills.Money) string {
	return string(m.Currency) + " " + m.Decimal()
}

func newTemplates(name, src string) *template.Template {
	funcs := template.FuncMap{
		"field": field,
		"json":  jsonAttr,
		"plain": plainMoney,
		"neg": func(m skills.Money) skills.Money {
			return skills.M(-m.Minor, m.Currency)
		},
		"title": func(s string) string {
			if s == "" {
				return s
			}
			return strings.ToUpper(s[:1]) + s[1:]
		},
	}
	return template.Must(template.New(name).Funcs(funcs).Parse(src))
}
