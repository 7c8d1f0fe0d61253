package worldgen

// food builds a grocery item. Every grocery carries the dietary flags dairy,
// gluten, nuts and organic ("yes"/"no"), a type and a pack size.
func food(code, title, brand, typ, pack, dairy, gluten, nuts, organic, desc string, extra ...string) item {
	attrs := a("type", typ, "pack", pack, "dairy", dairy, "gluten", gluten, "nuts", nuts, "organic", organic)
	return item{code: code, title: title, category: "groceries", brand: brand, desc: desc, attrs: with(attrs, extra...)}
}

// groceries: FreshMart carries the full range, MegaMart about two thirds of
// it at prices that are sometimes lower, sometimes higher.
func groceries(b *builder) {
	const y, n = "yes", "no"
	fm := func(p int64) offer { return at("freshmart", p) }
	mm := func(p int64) offer { return at("megamart", p) }

	// Dairy and plant milks.
	b.sell(food("MILK-PURE-12", "Yili Pure Milk 250ml x 12", "Yili", "milk", "12-pack", y, n, n, n,
		"UHT whole milk, 3.2 g protein per 100 ml."), fm(4590), mm(4290))
	b.sell(food("MILK-ORG-12", "Mengniu Satine Organic Milk 250ml x 12", "Mengniu", "milk", "12-pack", y, n, n, y,
		"Certified organic whole milk from Inner Mongolia."), fm(6500), mm(6250))
	b.sell(food("MILK-FRESH-950", "Bright Dairy Fresh Milk 950ml", "Bright Dairy", "milk", "950ml", y, n, n, n,
		"Pasteurised fresh milk, keep refrigerated."), fm(1690), mm(1750))
	b.sell(food("MILK-SKIM-1L", "Yili Skim Milk 1L", "Yili", "milk", "1l", y, n, n, n,
		"Fat-free UHT milk."), fm(1350))
	b.sell(food("MILK-LF-12", "Yili Shuhua Lactose-Free Milk 250ml x 12", "Yili", "milk", "12-pack", y, n, n, n,
		"Whole milk with the lactose broken down; still a dairy product."), fm(5990), mm(5600))
	b.sell(food("OAT-1L", "Oatly Oat Drink 1L", "Oatly", "plant milk", "1l", n, n, n, n,
		"The original oat drink, with added calcium and vitamins.", "milk", "oat"), fm(1990), mm(1850))
	b.sell(food("OAT-BAR-1L", "Oatly Oat Drink Barista Edition 1L", "Oatly", "plant milk", "1l", n, n, n, n,
		"Foams like dairy milk for lattes at home.", "milk", "oat"), fm(2490), mm(2590))
	b.sell(food("OAT-ORG-1L", "Oatly Organic Oat Drink 1L", "Oatly", "plant milk", "1l", n, n, n, y,
		"Organic Swedish oats, no added sugar.", "milk", "oat"), fm(2790))
	b.sell(food("ALM-946ML", "Almond Breeze Unsweetened Almond Milk 946ml", "Blue Diamond", "plant milk", "946ml", n, n, y, n,
		"30 kcal per cup. Contains tree nuts.", "milk", "almond"), fm(2290), mm(2150))
	b.sell(food("SOY-1L", "Vitasoy Original Soy Milk 1L", "Vitasoy", "plant milk", "1l", n, n, n, n,
		"Classic Hong Kong soy milk.", "milk", "soy"), fm(1290), mm(1350))
	b.sell(food("SOY-UNS-6", "Vitasoy Unsweetened Soy Milk 250ml x 6", "Vitasoy", "plant milk", "6-pack", n, n, n, n,
		"No added sugar.", "milk", "soy"), fm(1980))
	b.sell(food("YOG-PLAIN-1KG", "Junlebao Plain Yogurt 1kg", "Junlebao", "yogurt", "1kg", y, n, n, n,
		"Set-style plain yogurt."), fm(1990), mm(1880))
	b.sell(food("YOG-GRK-4", "Yili Ambrosial Greek Yogurt 200g x 4", "Yili", "yogurt", "4-pack", y, n, n, n,
		"Thick strained yogurt, original flavour."), fm(2890))
	b.sell(food("YOG-COCO-400G", "Coconut Yogurt 400g", "Coconut Collaborative", "yogurt", "400g", n, n, n, n,
		"Dairy-free coconut yogurt with live cultures."), fm(3600))
	b.sell(food("CHEESE-CHED-250G", "Anchor Cheddar Slices 250g", "Anchor", "cheese", "250g", y, n, n, n,
		"New Zealand cheddar, 12 slices."), fm(3290), mm(2990))
	b.sell(food("BUTTER-227G", "Anchor Salted Butter 227g", "Anchor", "butter", "227g", y, n, n, n,
		"Pure New Zealand butter."), fm(2990), mm(3190))

	// Eggs, bread, staples.
	b.sell(food("EGG-10", "Free-Range Eggs (10)", "Deqingyuan", "eggs", "10-pack", n, n, n, n,
		"Free-range eggs from Beijing farms, date-stamped."), fm(1680), mm(1790))
	b.sell(food("EGG-ORG-10", "Deqingyuan Organic Eggs (10)", "Deqingyuan", "eggs", "10-pack", n, n, n, y,
		"Certified organic, free-range."), fm(2990), mm(2790))
	b.sell(food("EGG-30", "Farm Fresh Eggs (30)", "Deqingyuan", "eggs", "30-pack", n, n, n, n,
		"A tray of 30 cage-free eggs."), fm(3290), mm(2990))
	b.sell(food("BREAD-WW-400G", "Mankattan Whole Wheat Toast 400g", "Mankattan", "bread", "400g", n, y, n, n,
		"Sliced whole wheat sandwich bread."), fm(1280), mm(1190))
	b.sell(food("BREAD-MILK-400G", "Mankattan Milk Toast 400g", "Mankattan", "bread", "400g", y, y, n, n,
		"Soft white toast made with milk."), fm(1090), mm(1050))
	b.sell(food("BREAD-GF-250G", "Schär Gluten-Free Multigrain Bread 250g", "Schär", "bread", "250g", n, n, n, n,
		"Certified gluten-free sliced bread."), fm(3200))
	b.sell(food("RICE-WC-5KG", "Arawana Wuchang Rice 5kg", "Arawana", "rice", "5kg", n, n, n, n,
		"Daohuaxiang rice from Wuchang, Heilongjiang."), fm(6990), mm(6490))
	b.sell(food("RICE-JAS-5KG", "Royal Umbrella Thai Jasmine Rice 5kg", "Royal Umbrella", "rice", "5kg", n, n, n, n,
		"Thai Hom Mali fragrant rice."), fm(5990), mm(6290))
	b.sell(food("RICE-ORG-2.5KG", "Arawana Organic Northeast Rice 2.5kg", "Arawana", "rice", "2.5kg", n, n, n, y,
		"Certified organic japonica rice."), fm(4990))
	b.sell(food("NOODLE-1KG", "Arawana Dried Wheat Noodles 1kg", "Arawana", "noodles", "1kg", n, y, n, n,
		"Thin wheat noodles, cooks in 4 minutes."), fm(1290), mm(1150))
	b.sell(food("PASTA-SPAG-500G", "Barilla Spaghetti No.5 500g", "Barilla", "pasta", "500g", n, y, n, n,
		"Durum wheat semolina spaghetti."), fm(1490), mm(1390))
	b.sell(food("PASTA-GF-400G", "Barilla Gluten-Free Penne 400g", "Barilla", "pasta", "400g", n, n, n, n,
		"Corn and rice penne, certified gluten-free."), fm(2490), mm(2390))
	b.sell(food("OATS-1KG", "Quaker Rolled Oats 1kg", "Quaker", "oats", "1kg", n, n, n, n,
		"100% whole grain rolled oats."), fm(2290), mm(1990))
	b.sell(food("FLOUR-2.5KG", "Arawana All-Purpose Wheat Flour 2.5kg", "Arawana", "flour", "2.5kg", n, y, n, n,
		"For dumplings, noodles and steamed buns."), fm(1990))
	b.sell(food("DUMP-PORK-1KG", "Synear Pork & Cabbage Dumplings 1kg", "Synear", "frozen dumplings", "1kg", n, y, n, n,
		"About 50 frozen dumplings."), fm(2990), mm(2790))

	// Fresh produce, meat and fish.
	b.sell(food("BANANA-1KG", "Dole Bananas 1kg", "Dole", "fruit", "1kg", n, n, n, n,
		"Philippine Cavendish bananas."), fm(990), mm(890))
	b.sell(food("APPLE-2KG", "Aksu Fuji Apples 2kg", "Aksu Orchards", "fruit", "2kg", n, n, n, n,
		"Crisp Xinjiang apples with a sugar core."), fm(2990), mm(2780))
	b.sell(food("AVO-4", "Mission Hass Avocados (4)", "Mission", "fruit", "4-pack", n, n, n, n,
		"Ready to eat in 2 to 3 days."), fm(2990), mm(3200))
	b.sell(food("GRAPE-500G", "Shine Muscat Grapes 500g", "Yunnan Sunshine", "fruit", "500g", n, n, n, n,
		"Seedless green grapes."), fm(2590))
	b.sell(food("SPINACH-300G", "Baby Spinach 300g", "FreshMart Farms", "vegetables", "300g", n, n, n, n,
		"Washed and ready to eat."), fm(790))
	b.sell(food("SPINACH-ORG-300G", "Organic Baby Spinach 300g", "FreshMart Farms", "vegetables", "300g", n, n, n, y,
		"Certified organic, washed."), fm(1290))
	b.sell(food("TOMATO-500G", "Cherry Tomatoes 500g", "Hainan Farms", "vegetables", "500g", n, n, n, n,
		"Sweet Hainan cherry tomatoes."), fm(1290), mm(1190))
	b.sell(food("BROC-500G", "Broccoli 500g", "Hainan Farms", "vegetables", "500g", n, n, n, n,
		"Fresh broccoli crowns."), fm(690), mm(750))
	b.sell(food("CHICKEN-500G", "Sunner Chicken Breast 500g", "Sunner", "chicken", "500g", n, n, n, n,
		"Chilled skinless chicken breast fillets."), fm(1990), mm(1890))
	b.sell(food("PORK-500G", "Muyuan Pork Belly 500g", "Muyuan", "pork", "500g", n, n, n, n,
		"Chilled pork belly, skin on."), fm(3290))
	b.sell(food("SALMON-300", "Mowi Norwegian Salmon Fillet 300g", "Mowi", "fish", "300g", n, n, n, n,
		"Fresh Atlantic salmon, air-freighted."), fm(5990), mm(6200))
	b.sell(food("TOFU-400G", "Zuming Firm Tofu 400g", "Zuming", "tofu", "400g", n, n, n, n,
		"Made with non-GMO soybeans."), fm(550), mm(490))

	// Pantry.
	b.sell(food("OIL-PEA-1.8L", "Arawana Peanut Oil 1.8L", "Arawana", "cooking oil", "1.8l", n, n, y, n,
		"Pressed peanut oil. Contains peanuts."), fm(5990), mm(5590))
	b.sell(food("OIL-SUN-1.8L", "Arawana Sunflower Oil 1.8L", "Arawana", "cooking oil", "1.8l", n, n, n, n,
		"Light sunflower seed oil."), fm(4290), mm(4490))
	b.sell(food("SOYSAUCE-500ML", "Haday Light Soy Sauce 500ml", "Haday", "soy sauce", "500ml", n, y, n, n,
		"Naturally brewed from soybeans and wheat."), fm(990), mm(890))
	b.sell(food("VINEGAR-500ML", "Hengshun Zhenjiang Black Vinegar 500ml", "Hengshun", "vinegar", "500ml", n, y, n, n,
		"Aged black rice vinegar."), fm(850))
	b.sell(food("HONEY-500G", "Guanshengyuan Acacia Honey 500g", "Guanshengyuan", "honey", "500g", n, n, n, n,
		"Pure acacia honey."), fm(3990), mm(3690))
	b.sell(food("PB-340G", "Skippy Creamy Peanut Butter 340g", "Skippy", "spread", "340g", n, n, y, n,
		"Smooth peanut butter. Contains peanuts."), fm(2690), mm(2490))
	b.sell(food("NUTS-MIX-750G", "Three Squirrels Daily Mixed Nuts 750g", "Three Squirrels", "nuts", "750g", n, n, y, n,
		"30 daily packs of walnuts, cashews, almonds and dried fruit."), fm(7900), mm(7500))
	b.sell(food("ALMOND-500G", "Bestore Roasted Almonds 500g", "Bestore", "nuts", "500g", n, n, y, n,
		"Lightly salted California almonds."), fm(4590))

	// Drinks and snacks.
	b.sell(food("WATER-24", "Nongfu Spring Water 550ml x 24", "Nongfu Spring", "water", "24-pack", n, n, n, n,
		"Natural drinking water."), fm(2990), mm(2690))
	b.sell(food("OJ-1L", "Tropicana Orange Juice 1L", "Tropicana", "juice", "1l", n, n, n, n,
		"100% orange juice, not from concentrate."), fm(1990), mm(1890))
	b.sell(food("COLA-6", "Coca-Cola 330ml x 6", "Coca-Cola", "soda", "6-pack", n, n, n, n,
		"Classic cola in cans."), fm(1590), mm(1490))
	b.sell(food("OREO-388G", "Oreo Original Cookies 388g", "Oreo", "cookies", "388g", y, y, n, n,
		"Chocolate sandwich cookies. Contains wheat and milk."), fm(1690), mm(1590))
	b.sell(food("CHIPS-70G", "Lay's Classic Potato Chips 70g", "Lay's", "snacks", "70g", n, n, n, n,
		"Lightly salted potato chips."), fm(750), mm(690))
	b.sell(food("CHOC-252G", "Dove Milk Chocolate 252g", "Dove", "chocolate", "252g", y, n, n, n,
		"Silky milk chocolate bar, sharing size."), fm(3990), mm(3690))
}

// clean builds a household item.
func clean(code, title, brand, typ, scent, pack, capacity, desc string) item {
	attrs := a("type", typ, "scent", scent, "pack", pack)
	if capacity != "" {
		attrs["capacity"] = capacity
	}
	return item{code: code, title: title, category: "household", brand: brand, desc: desc, attrs: attrs}
}

// household: FreshMart and MegaMart overlap on the everyday brands.
func household(b *builder) {
	fm := func(p int64) offer { return at("freshmart", p) }
	mm := func(p int64) offer { return at("megamart", p) }
	b.sell(clean("DISH-LIBY-LEM", "Liby Lemon Dish Soap 1.5kg", "Liby", "dish soap", "lemon", "1-bottle", "1.5kg",
		"Cuts grease, gentle on hands."), fm(1590), mm(1490))
	b.sell(clean("DISH-LIBY-GT", "Liby Green Tea Dish Soap 1.5kg", "Liby", "dish soap", "green tea", "1-bottle", "1.5kg",
		"Green tea scented dish soap."), fm(1590))
	b.sell(clean("DISH-CHARMY", "Lion Charmy Unscented Dish Soap 600ml", "Lion", "dish soap", "unscented", "1-bottle", "600ml",
		"Concentrated, fragrance-free."), fm(1890), mm(1990))
	b.sell(clean("LAUN-BM-LAV-3KG", "Blue Moon Lavender Laundry Detergent 3kg", "Blue Moon", "laundry detergent", "lavender", "1-bottle", "3kg",
		"Deep-clean liquid detergent for machine and hand wash."), fm(5990), mm(5490))
	b.sell(clean("LAUN-BM-FRESH-2KG", "Blue Moon Deep Clean Laundry Detergent 2kg", "Blue Moon", "laundry detergent", "fresh", "1-bottle", "2kg",
		"Removes collar and cuff stains."), fm(3990))
	b.sell(clean("LAUN-TIDE-FREE-2KG", "Tide Free & Gentle Laundry Detergent 2kg", "Tide", "laundry detergent", "unscented", "1-bottle", "2kg",
		"Dermatologist tested, free of dyes and perfumes."), fm(4590), mm(4790))
	b.sell(clean("PODS-ARIEL-32", "Ariel 3-in-1 Laundry Pods (32)", "Ariel", "laundry pods", "fresh", "32-pack", "",
		"Pre-measured pods with stain remover and brightener."), fm(6990), mm(6490))
	b.sell(clean("SOFT-COMFORT-2L", "Comfort Floral Fabric Softener 2L", "Comfort", "fabric softener", "floral", "1-bottle", "2l",
		"Long-lasting freshness."), fm(2990), mm(2790))
	b.sell(clean("TP-VINDA-27", "Vinda 4-Ply Toilet Paper (27 Rolls)", "Vinda", "toilet paper", "unscented", "27-rolls", "",
		"Soft and strong 4-ply rolls."), fm(4990), mm(4590))
	b.sell(clean("TP-BREEZE-10", "Breeze 3-Ply Toilet Paper (10 Rolls)", "Breeze", "toilet paper", "unscented", "10-rolls", "",
		"Everyday 3-ply rolls."), fm(1990), mm(2190))
	b.sell(clean("TISSUE-VINDA-6", "Vinda 3-Ply Facial Tissues (6 Packs)", "Vinda", "facial tissues", "unscented", "6-pack", "",
		"Soft pull-out tissues, 120 sheets per pack."), fm(1990), mm(1790))
	b.sell(clean("TOWEL-VINDA-4", "Vinda Kitchen Paper Towels (4 Rolls)", "Vinda", "paper towels", "unscented", "4-rolls", "",
		"Absorbent 2-ply kitchen towels."), fm(1690), mm(1590))
	b.sell(clean("TOWEL-SCOTT-6", "Scott Paper Towels (6 Rolls)", "Scott", "paper towels", "unscented", "6-rolls", "",
		"Choose-a-size sheets."), fm(2490))
	b.sell(clean("BAG-GLAD-30L-60", "Glad Drawstring Trash Bags 30L (60)", "Glad", "trash bags", "unscented", "60-pack", "30l",
		"Tear-resistant drawstring kitchen bags."), fm(2590), mm(2390))
	b.sell(clean("BAG-GLAD-45L-40", "Glad Lemon Scented Trash Bags 45L (40)", "Glad", "trash bags", "lemon", "40-pack", "45l",
		"Odour-control tall bags."), fm(3290))
	b.sell(clean("HAND-DETTOL-500", "Dettol Original Hand Soap 500ml", "Dettol", "hand soap", "original", "1-bottle", "500ml",
		"Antibacterial liquid hand wash."), fm(2490), mm(2290))
	b.sell(clean("HAND-SAFE-LEM", "Safeguard Lemon Hand Soap 450ml", "Safeguard", "hand soap", "lemon", "1-bottle", "450ml",
		"Antibacterial hand wash with lemon."), fm(1690), mm(1790))
	b.sell(clean("APC-MUSCLE-500", "Mr Muscle Lemon All-Purpose Cleaner 500ml", "Mr Muscle", "all-purpose cleaner", "lemon", "1-bottle", "500ml",
		"Kitchen and bathroom spray."), fm(1990))
	b.sell(clean("WIPES-DETTOL-80", "Dettol Disinfectant Wipes (80)", "Dettol", "wipes", "fresh", "80-pack", "",
		"Kills 99.9% of bacteria on hard surfaces."), fm(2290), mm(2190))
	b.sell(clean("SPONGE-3M-6", "Scotch-Brite Scrub Sponges (6)", "3M", "sponges", "unscented", "6-pack", "",
		"Non-scratch scrub sponges."), fm(1490), mm(1390))
	b.sell(clean("DW-FINISH-60", "Finish All-in-One Dishwasher Tablets (60)", "Finish", "dishwasher tablets", "lemon", "60-pack", "",
		"Degreases and rinses in one tablet."), fm(7900), mm(7500))
	b.sell(clean("FLOOR-LIBY-LAV", "Liby Lavender Floor Cleaner 2kg", "Liby", "floor cleaner", "lavender", "1-bottle", "2kg",
		"No-rinse floor cleaner for tiles and wood."), fm(2690))
	b.sell(clean("AIR-AIRWICK-LAV", "Air Wick Lavender Air Freshener Spray 250ml", "Air Wick", "air freshener", "lavender", "1-bottle", "250ml",
		"Instant room freshener."), fm(1990), mm(1890))
	b.sell(clean("MOSQ-RAID-2", "Raid Mosquito Plug-In Refills (2)", "Raid", "insect repellent", "unscented", "2-pack", "",
		"Liquid refills, 45 nights each."), fm(2990))
}
