package offline

import (
	"github.com/cartwright-agent/cartwright/planner"
)

// demoVocab mirrors the demo world's catalog vocabulary (merchants/demo):
// seven merchants, seven categories and the attribute keys its products use.
func demoVocab() planner.Vocabulary {
	return planner.Vocabulary{
		Currency:   "CNY",
		Categories: []string{"apparel", "coffee", "electronics", "groceries", "household", "tea", "topup"},
		Merchants: map[string]string{
			"brewhouse": "Brew House", "leafandbean": "Leaf & Bean", "freshmart": "FreshMart",
			"gadgetbay": "GadgetBay", "threadline": "Threadline", "topupnow": "TopUpNow", "megamart": "MegaMart",
		},
		Brands: []string{"3M", "Air Wick", "Anchor", "Anker", "Apple", "Arawana", "Baseus", "Blue Diamond", "Brew House",
			"China Mobile", "China Telecom", "China Unicom", "Comfort", "Deqingyuan", "Dove", "ESR", "Finish", "Glad",
			"Huawei", "Lavazza", "Leaf & Bean", "Liby", "Lipton", "Mankattan", "MegaMart Basics", "MegaMart Café", "Mission",
			"Nescafé", "Northpeak", "Oatly", "Quaker", "Skippy", "Soundcore", "Spigen", "Threadline", "Three Squirrels",
			"Tide", "Twinings", "Ugreen", "Vinda", "Vitasoy", "Xiaomi", "Yili"},
		Attributes: map[string][]string{
			"amount":   {"100", "200", "30", "50"},
			"capacity": {"1.5kg", "10000mah", "20000mah", "250ml", "2kg", "2l", "30l", "3kg", "450ml", "45l", "500ml", "600ml"},
			"carrier":  {"china mobile", "china telecom", "china unicom"},
			"color":    {"black", "blue", "clear", "grey", "khaki", "navy", "olive", "silver", "white", "yellow"},
			"dairy":    {"no", "yes"},
			"device":   {"galaxy s24", "iphone 15", "iphone 16", "pixel 9", "universal"},
			"drink": {"americano", "black tea", "cappuccino", "cold brew", "espresso", "flat white", "fruit tea",
				"green tea", "latte", "matcha latte", "milk tea", "mocha", "oolong"},
			"gluten": {"no", "yes"},
			"length": {"1m", "2m"},
			"material": {"cotton fleece", "cotton", "merino wool", "nylon down", "nylon", "polycarbonate",
				"polyester fleece", "polyester", "silicone", "stretch nylon", "tpu"},
			"milk":    {"almond", "coconut", "none", "oat", "skim", "soy", "whole"},
			"nuts":    {"no", "yes"},
			"organic": {"no", "yes"},
			"pack": {"1-bottle", "1.8l", "10-pack", "10-rolls", "100-pack", "100g", "12-pack", "1kg", "1l", "2-pack",
				"2.5kg", "24-pack", "250g", "27-rolls", "2kg", "30-pack", "4-pack", "500g", "500ml", "5kg", "6-pack"},
			"roast":       {"dark", "light", "medium"},
			"scent":       {"floral", "fresh", "green tea", "lavender", "lemon", "original", "unscented"},
			"size":        {"l", "large", "m", "medium", "s", "small", "xl", "xs"},
			"sugar":       {"less", "none", "regular"},
			"tea":         {"black", "green", "oolong"},
			"temperature": {"hot", "iced"},
			"travel":      {"no", "yes"},
			"type": {"air freshener", "all-purpose cleaner", "bread", "butter", "car charger", "charger", "cheese",
				"chicken", "chocolate", "coffee beans", "cookies", "cooking oil", "dish soap", "dishwasher tablets",
				"down jacket", "drip bags", "earbuds", "eggs", "fabric softener", "facial tissues", "fish",
				"fitness tracker", "fleece jacket", "floor cleaner", "flour", "frozen dumplings", "fruit", "hand soap",
				"hiking socks", "honey", "hoodie", "insect repellent", "instant coffee", "juice", "laundry detergent",
				"laundry pods", "loose leaf tea", "milk", "noodles", "nuts", "oats", "packable shorts", "paper towels",
				"pasta", "phone case", "phone stand", "plant milk", "pork", "power bank", "rain jacket", "rice",
				"screen protector", "snacks", "socks", "soda", "soy sauce", "sponges", "spread", "t-shirt", "tea bags",
				"tofu", "toilet paper", "trash bags", "travel pants", "usb-c cable", "usb-c hub", "vegetables",
				"vinegar", "water", "wipes", "wireless charger", "yogurt"},
			"utility":    {"broadband", "electricity", "gas", "water"},
			"warmth":     {"heavy", "light", "medium"},
			"waterproof": {"no", "yes"},
			"wattage":    {"100w", "15w", "20w", "22.5w", "30w", "60w", "65w", "67w"},
		},
	}
}

// noSizeVocab is demoVocab without any size: a world whose merchants list
// none (a storefront whose Info exposes no sizes). Warmth goes too, so
// "medium" can only be a size.
func noSizeVocab() planner.Vocabulary {
	v := demoVocab()
	delete(v.Attributes, "size")
	delete(v.Attributes, "warmth")
	return v
}
