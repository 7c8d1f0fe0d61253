package worldgen

import "strings"

// gadget builds an electronics accessory.
func gadget(code, title, brand, desc string, kv ...string) item {
	return item{code: code, title: title, category: "electronics", brand: brand, desc: desc, attrs: a(kv...)}
}

var devices = []struct{ attr, title, code string }{
	{"iphone 16", "iPhone 16", "IP16"},
	{"iphone 15", "iPhone 15", "IP15"},
	{"pixel 9", "Pixel 9", "PX9"},
	{"galaxy s24", "Galaxy S24", "S24"},
}

// electronics: GadgetBay carries the range; MegaMart stocks the best
// sellers, some cheaper and some dearer.
func electronics(b *builder) {
	gb := func(p int64) offer { return at("gadgetbay", p) }
	mm := func(p int64) offer { return at("megamart", p) }

	// Chargers.
	b.sell(gadget("CHG-ANK-20W", "Anker Nano 20W USB-C Charger", "Anker", "Compact single-port USB-C PD charger; fast-charges an iPhone to 50% in 30 minutes.",
		"type", "charger", "wattage", "20w", "device", "universal", "color", "white"), gb(6900), mm(6500))
	b.sell(gadget("CHG-ANK-65W", "Anker Prime 65W GaN Charger", "Anker", "Three ports (2 USB-C, 1 USB-A); charges a laptop and a phone at once.",
		"type", "charger", "wattage", "65w", "device", "universal", "color", "black"), gb(19900), mm(18900))
	b.sell(gadget("CHG-UGR-65W", "Ugreen Nexode 65W GaN Charger", "Ugreen", "Three-port GaN charger with foldable pins.",
		"type", "charger", "wattage", "65w", "device", "universal", "color", "white"), gb(14900), mm(15900))
	b.sell(gadget("CHG-UGR-20W", "Ugreen 20W USB-C Charger", "Ugreen", "Single-port PD charger.",
		"type", "charger", "wattage", "20w", "device", "universal", "color", "white"), gb(3900), mm(3500))
	b.sell(gadget("CHG-MI-67W", "Xiaomi 67W GaN Charger", "Xiaomi", "HyperCharge for Xiaomi phones, PD for everything else.",
		"type", "charger", "wattage", "67w", "device", "universal", "color", "white"), gb(12900), mm(11900))
	b.sell(gadget("CHG-BAS-30W", "Baseus 30W GaN Charger", "Baseus", "Pocket-size USB-C charger.",
		"type", "charger", "wattage", "30w", "device", "universal", "color", "black"), gb(5900))
	b.sell(gadget("CHG-APL-20W", "Apple 20W USB-C Power Adapter", "Apple", "Apple's own USB-C charger.",
		"type", "charger", "wattage", "20w", "device", "universal", "color", "white"), gb(14900), mm(14500))

	// Cables.
	for _, c := range []struct {
		len, code  string
		gbp, mmp   int64
		brand, ttl string
	}{
		{"1m", "1M", 3900, 3500, "Anker", "Anker USB-C to USB-C Cable 100W"},
		{"2m", "2M", 4900, 4500, "Anker", "Anker USB-C to USB-C Cable 100W"},
		{"1m", "1M", 2900, 3200, "Ugreen", "Ugreen USB-C to USB-C Cable 60W"},
		{"2m", "2M", 3900, 0, "Ugreen", "Ugreen USB-C to USB-C Cable 60W"},
	} {
		w := "100w"
		if c.brand == "Ugreen" {
			w = "60w"
		}
		it := gadget("CBL-"+strings.ToUpper(c.brand[:3])+"-"+c.code, c.ttl+" ("+c.len+")", c.brand, "Braided cable, e-marked, USB 2.0 data.",
			"type", "usb-c cable", "length", c.len, "wattage", w, "device", "universal", "color", "black")
		it.group = strings.ToLower(c.brand) + "-usb-c-cable-" + w
		b.sell(it, gb(c.gbp), mm(c.mmp))
	}
	b.sell(gadget("CBL-APL-1M", "Apple USB-C Charge Cable (1m)", "Apple", "Woven USB-C cable, 60 W.",
		"type", "usb-c cable", "length", "1m", "wattage", "60w", "device", "universal", "color", "white"), gb(14500), mm(13900))

	// Power banks.
	b.sell(gadget("PB-ANK-10K", "Anker Power Bank 10000mAh 22.5W", "Anker", "Slim power bank with built-in USB-C cable.",
		"type", "power bank", "capacity", "10000mah", "wattage", "22.5w", "device", "universal", "color", "black"), gb(11900), mm(10900))
	b.sell(gadget("PB-ANK-20K", "Anker Power Bank 20000mAh 22.5W", "Anker", "Charges a phone about four times; airline-safe.",
		"type", "power bank", "capacity", "20000mah", "wattage", "22.5w", "device", "universal", "color", "black"), gb(16900), mm(15900))
	b.sell(gadget("PB-MI-10K", "Xiaomi Power Bank 10000mAh 22.5W", "Xiaomi", "Aluminium shell, two-way fast charging.",
		"type", "power bank", "capacity", "10000mah", "wattage", "22.5w", "device", "universal", "color", "silver"), gb(7900), mm(7500))
	b.sell(gadget("PB-MI-20K", "Xiaomi Power Bank 20000mAh 22.5W", "Xiaomi", "High-capacity, three outputs.",
		"type", "power bank", "capacity", "20000mah", "wattage", "22.5w", "device", "universal", "color", "black"), gb(12900), mm(13500))
	b.sell(gadget("PB-BAS-20K", "Baseus Blade Power Bank 20000mAh 100W", "Baseus", "Laptop-grade 100 W output in a flat shell.",
		"type", "power bank", "capacity", "20000mah", "wattage", "100w", "device", "universal", "color", "black"), gb(29900))
	b.sell(gadget("PB-UGR-10K", "Ugreen Power Bank 10000mAh 20W", "Ugreen", "Pocket power bank with a display.",
		"type", "power bank", "capacity", "10000mah", "wattage", "20w", "device", "universal", "color", "white"), gb(8900))

	// Earbuds.
	for _, c := range []struct{ color, code string }{{"black", "BLK"}, {"white", "WHT"}} {
		it := gadget("BUDS-RB6A-"+c.code, "Redmi Buds 6 Active ("+titleCase(c.color)+")", "Xiaomi", "True wireless earbuds, 30-hour battery with the case.",
			"type", "earbuds", "color", c.color, "device", "universal")
		it.group = "redmi-buds-6-active"
		b.sell(it, gb(9900), mm(9500))
	}
	for _, c := range []struct{ color, code string }{{"black", "BLK"}, {"blue", "BLU"}} {
		it := gadget("BUDS-LIB4-"+c.code, "Soundcore Liberty 4 NC Earbuds ("+titleCase(c.color)+")", "Soundcore", "Adaptive noise cancelling, 50-hour battery.",
			"type", "earbuds", "color", c.color, "device", "universal")
		it.group = "soundcore-liberty-4-nc"
		b.sell(it, gb(39900), mm(38900))
	}
	b.sell(gadget("BUDS-P20I", "Soundcore P20i Earbuds (Black)", "Soundcore", "Big bass budget earbuds.",
		"type", "earbuds", "color", "black", "device", "universal"), gb(12900), mm(11900))
	b.sell(gadget("BUDS-HW-SE2", "Huawei FreeBuds SE 2 (White)", "Huawei", "Lightweight earbuds, 40-hour battery.",
		"type", "earbuds", "color", "white", "device", "universal"), gb(19900))

	// Cases and screen protectors, per phone.
	for _, d := range devices {
		suh := gadget("CASE-SUH-"+d.code, "Spigen Ultra Hybrid Case for "+d.title+" (Clear)", "Spigen", "Clear shock-absorbing case with raised edges.",
			"type", "phone case", "device", d.attr, "color", "clear", "material", "tpu")
		suh.group = "spigen-ultra-hybrid"
		var mmp int64
		if d.attr == "iphone 16" || d.attr == "galaxy s24" {
			mmp = 9500
		}
		b.sell(suh, gb(9900), mm(mmp))

		ta := gadget("CASE-STA-"+d.code, "Spigen Tough Armor Case for "+d.title+" (Black)", "Spigen", "Dual-layer rugged case with kickstand.",
			"type", "phone case", "device", d.attr, "color", "black", "material", "polycarbonate")
		ta.group = "spigen-tough-armor"
		b.sell(ta, gb(14900))

		sp := gadget("SP-ESR-"+d.code, "ESR Tempered Glass Screen Protector for "+d.title+" (2-Pack)", "ESR", "9H tempered glass with an installation frame.",
			"type", "screen protector", "device", d.attr, "pack", "2-pack")
		mmp = 0
		if strings.HasPrefix(d.attr, "iphone") {
			mmp = 4500
		}
		b.sell(sp, gb(4900), mm(mmp))
	}
	for _, d := range devices[:2] {
		for _, c := range []struct{ color, code string }{{"black", "BLK"}, {"blue", "BLU"}} {
			it := gadget("CASE-ESR-"+d.code+"-"+c.code, "ESR Classic MagSafe Case for "+d.title+" ("+titleCase(c.color)+")", "ESR", "Slim magnetic case compatible with MagSafe chargers.",
				"type", "phone case", "device", d.attr, "color", c.color, "material", "silicone")
			it.group = "esr-classic-magsafe"
			b.sell(it, gb(6900))
		}
	}

	// Everything else.
	b.sell(gadget("WCHG-ANK-15W", "Anker MagGo Wireless Charger 15W", "Anker", "Magnetic Qi2 charging pad.",
		"type", "wireless charger", "wattage", "15w", "device", "universal", "color", "white"), gb(19900), mm(18900))
	b.sell(gadget("WCHG-MI-20W", "Xiaomi 20W Wireless Charging Pad", "Xiaomi", "Flat Qi pad with cooling fan.",
		"type", "wireless charger", "wattage", "20w", "device", "universal", "color", "black"), gb(9900))
	b.sell(gadget("CAR-BAS-60W", "Baseus 60W Dual USB-C Car Charger", "Baseus", "Two USB-C ports for the 12 V socket.",
		"type", "car charger", "wattage", "60w", "device", "universal", "color", "black"), gb(6900), mm(7200))
	b.sell(gadget("HUB-UGR-6IN1", "Ugreen 6-in-1 USB-C Hub", "Ugreen", "HDMI 4K, 2 USB-A, SD/TF, 100 W passthrough.",
		"type", "usb-c hub", "device", "universal", "color", "grey"), gb(15900), mm(14900))
	b.sell(gadget("STAND-UGR", "Ugreen Adjustable Phone Stand", "Ugreen", "Aluminium desk stand for phones and small tablets.",
		"type", "phone stand", "device", "universal", "color", "silver"), gb(3900), mm(3600))
	b.sell(gadget("BAND-MI-9", "Xiaomi Smart Band 9", "Xiaomi", "Fitness tracker with AMOLED display, 21-day battery.",
		"type", "fitness tracker", "device", "universal", "color", "black"), gb(24900), mm(23900))
}

// garment is one apparel product line with its variants.
type garment struct {
	code, name, brand, typ, material, warmth, waterproof, travel, desc string
	sizes                                                              []string
	colors                                                             []string
}

var colorCode = map[string]string{"white": "WHT", "black": "BLK", "navy": "NVY", "grey": "GRY", "blue": "BLU",
	"yellow": "YEL", "olive": "OLV", "khaki": "KHK"}

var sizeTitle = map[string]string{"xs": "XS", "s": "S", "m": "M", "l": "L", "xl": "XL"}

func (g garment) variant(color, size string) item {
	cc := colorCode[color]
	if cc == "" {
		cc = strings.ToUpper(color)
	}
	return item{
		code:     g.code + "-" + cc + "-" + strings.ToUpper(size),
		title:    g.name + " (" + titleCase(color) + ", " + sizeTitle[size] + ")",
		category: "apparel", brand: g.brand, desc: g.desc,
		group: strings.ToLower(strings.ReplaceAll(g.name, " ", "-")),
		attrs: a("type", g.typ, "size", size, "color", color, "material", g.material,
			"warmth", g.warmth, "waterproof", g.waterproof, "travel", g.travel),
	}
}

// apparel: Threadline carries its own line and Northpeak travel wear;
// MegaMart resells a few popular variants.
func apparel(b *builder) {
	lines := []struct {
		g      garment
		tl     int64
		mm     int64
		mmOnly func(color, size string) bool // which variants MegaMart carries
	}{
		{garment{"TEE-ESS", "Threadline Essential Cotton T-Shirt", "Threadline", "t-shirt", "cotton", "light", "no", "no",
			"Heavyweight 220 g combed cotton crew neck.", l("xs", "s", "m", "l", "xl"), l("white", "black", "navy")},
			5900, 5500, func(c, s string) bool { return (c == "white" || c == "black") && (s == "m" || s == "l") }},
		{garment{"TEE-QD", "Northpeak Quick-Dry Travel T-Shirt", "Northpeak", "t-shirt", "polyester", "light", "no", "yes",
			"Dries in an hour after a sink wash; odour control.", l("s", "m", "l", "xl"), l("grey", "blue")},
			9900, 0, nil},
		{garment{"HOOD-FLC", "Threadline Fleece Hoodie", "Threadline", "hoodie", "cotton fleece", "medium", "no", "no",
			"Brushed-back fleece with a kangaroo pocket.", l("s", "m", "l", "xl"), l("grey", "black")},
			19900, 0, nil},
		{garment{"RAIN", "Northpeak Packable Rain Jacket", "Northpeak", "rain jacket", "nylon", "light", "yes", "yes",
			"2.5-layer waterproof shell that packs into its own pocket.", l("s", "m", "l", "xl"), l("yellow", "navy")},
			39900, 37900, func(c, s string) bool { return c == "navy" && (s == "m" || s == "l") }},
		{garment{"DOWN", "Northpeak Ultralight Down Jacket", "Northpeak", "down jacket", "nylon down", "heavy", "no", "yes",
			"650-fill duck down, packs into a stuff sack.", l("s", "m", "l", "xl"), l("black", "olive")},
			69900, 0, nil},
		{garment{"FLEECE", "Northpeak Grid Fleece Jacket", "Northpeak", "fleece jacket", "polyester fleece", "medium", "no", "yes",
			"Light grid fleece for layering.", l("m", "l"), l("black")},
			29900, 0, nil},
		{garment{"SOCK-MER", "Northpeak Merino Hiking Socks 2-Pack", "Northpeak", "hiking socks", "merino wool", "medium", "no", "yes",
			"Cushioned merino socks, two pairs.", l("m", "l"), l("grey")},
			8900, 7900, func(string, string) bool { return true }},
		{garment{"SHORT-PK", "Northpeak Packable Shorts", "Northpeak", "packable shorts", "nylon", "light", "no", "yes",
			"Quick-dry shorts with a zip pocket; pack into their own pocket.", l("s", "m", "l", "xl"), l("black")},
			12900, 0, nil},
		{garment{"PANT-TRV", "Threadline Anti-Wrinkle Travel Pants", "Threadline", "travel pants", "stretch nylon", "light", "no", "yes",
			"Wrinkle-free stretch chinos with a hidden zip pocket.", l("m", "l", "xl"), l("khaki")},
			25900, 0, nil},
	}
	for _, ln := range lines {
		for _, c := range ln.g.colors {
			for _, s := range ln.g.sizes {
				it := ln.g.variant(c, s)
				var mmp int64
				if ln.mmOnly != nil && ln.mmOnly(c, s) {
					mmp = ln.mm
				}
				b.sell(it, at("threadline", ln.tl), at("megamart", mmp))
			}
		}
	}
	// MegaMart's own basics.
	basics := garment{"SOCK-CREW", "MegaMart Basics Crew Socks 5-Pack", "MegaMart Basics", "socks", "cotton", "light", "no", "no",
		"Everyday cotton socks, five pairs.", l("m", "l"), l("white", "black")}
	for _, c := range basics.colors {
		for _, s := range basics.sizes {
			b.sell(basics.variant(c, s), at("megamart", 3900))
		}
	}
}

// topups: mobile top-ups and Shenzhen utility bills. TopUpNow discounts the
// larger mobile amounts slightly; MegaMart sells the popular ones.
func topups(b *builder) {
	tu := func(p int64) offer { return at("topupnow", p) }
	mm := func(p int64) offer { return at("megamart", p) }
	carriers := []struct{ attr, title, code string }{
		{"china mobile", "China Mobile", "CM"},
		{"china unicom", "China Unicom", "CU"},
		{"china telecom", "China Telecom", "CT"},
	}
	face := map[string]int64{"30": 3000, "50": 5000, "100": 10000, "200": 20000}
	tuPrice := map[string]int64{"30": 3000, "50": 4980, "100": 9950, "200": 19800}
	for _, c := range carriers {
		for _, amt := range l("30", "50", "100", "200") {
			it := item{code: c.code + "-" + amt, title: c.title + " Top-Up " + amt + " Yuan", category: "topup", brand: c.title,
				desc:  "Prepaid credit for any " + c.title + " number; credited within 10 minutes.",
				attrs: a("carrier", c.attr, "amount", amt)}
			var mmp int64
			switch amt {
			case "50":
				mmp = face[amt]
			case "100":
				mmp = 9880
			}
			b.sell(it, tu(tuPrice[amt]), mm(mmp))
		}
	}
	utilities := []struct{ attr, title, brand, code, desc string }{
		{"electricity", "Shenzhen Electricity Bill Payment", "China Southern Power Grid", "ELEC", "Prepays your Shenzhen Power Supply account."},
		{"water", "Shenzhen Water Bill Payment", "Shenzhen Water", "WATER", "Pays your Shenzhen Water Group account."},
		{"gas", "Shenzhen Gas Bill Payment", "Shenzhen Gas", "GAS", "Prepays your Shenzhen Gas pipeline account."},
		{"broadband", "China Telecom Broadband Bill Payment", "China Telecom", "BB", "Pays your China Telecom home broadband account."},
	}
	for _, u := range utilities {
		for _, amt := range l("50", "100", "200") {
			it := item{code: u.code + "-" + amt, title: u.title + " " + amt + " Yuan", category: "topup", brand: u.brand,
				desc: u.desc + " Credited the same day.", attrs: a("utility", u.attr, "amount", amt)}
			b.sell(it, tu(face[amt]))
		}
	}
}

// titleCase upper-cases the first letter of each space-separated word.
func titleCase(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		words[i] = strings.ToUpper(w[:1]) + w[1:]
	}
	return strings.Join(words, " ")
}
