package merchants

import "testing"

func TestDemoWorldLoads(t *testing.T) {
	w, err := DemoWorld()
	if err != nil {
		t.Fatal(err)
	}
	if len(w.Merchants) == 0 {
		t.Fatal("demo world has no merchants")
	}
	for _, m := range w.Merchants {
		if len(m.Products) == 0 {
			t.Errorf("%s: no products", m.ID)
		}
	}
}
