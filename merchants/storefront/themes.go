package storefront

import "html/template"

// Theme is a storefront's markup: its URL paths, form field names and
// templates. Use Classic or Bazaar.
type Theme struct {
	name     string
	routes   routes
	fields   fields
	cartWord string
	tmpl     *template.Template
}

// Name is the theme's name ("classic", "bazaar").
func (t Theme) Name() string { return t.name }

type routes struct {
	search, query, product, productQuery string
	cart, cartAdd, cartUpdate, cartEmpty string
	checkout, order, refund, info        string
}

// fields are the checkout form's input names.
type fields struct {
	name, line1, line2, city, region, postal, country, phone, email, token string
}

// Classic is the default theme (the browser skill ships a site profile for it).
var Classic = Theme{
	name: "classic",
	routes: routes{
		search: "/search", query: "q", product: "/p/{sku}",
		cart: "/cart", cartAdd: "/cart/add", cartUpdate: "/cart/update", cartEmpty: "/cart/empty",
		checkout: "/checkout", order: "/orders/{id}", refund: "/orders/{id}/refund", info: "/help/delivery",
	},
	fields: fields{
		name: "name", line1: "address1", line2: "address2", city: "city", region: "region",
		postal: "postcode", country: "country", phone: "phone", email: "email", token: "payment_token",
	},
	cartWord: "cart",
	tmpl:     newTemplates("classic", classicHTML),
}

// Bazaar is a variant theme with different paths, ids, classes, structure
// and wording, and no online refunds. No site profile knows it.
var Bazaar = Theme{
	name: "bazaar",
	routes: routes{
		search: "/find", query: "term", product: "/item", productQuery: "id",
		cart: "/basket", cartAdd: "/basket/add", cartUpdate: "/basket/update", cartEmpty: "/basket/clear",
		checkout: "/pay", order: "/receipt/{id}", info: "/info",
	},
	fields: fields{
		name: "fullname", line1: "street", line2: "street2", city: "town", region: "county",
		postal: "zip", country: "nation", phone: "tel", email: "mail", token: "credential",
	},
	cartWord: "basket",
	tmpl:     newTemplates("bazaar", bazaarHTML),
}

const classicHTML = `
{{define "top"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="cartwright-storefront classic">
<title>{{.}}</title>
<style>
body{font-family:"Liberation Sans",Arial,sans-serif;margin:0;color:#222}
.site-header{display:flex;gap:1.5em;align-items:center;background:#1d3557;color:#fff;padding:.7em 1.2em}
.site-header a{color:#fff}.brand{font-weight:bold;font-size:1.3em;text-decoration:none}
main{padding:1em 1.5em;max-width:60em}
table{border-collapse:collapse}td,th{padding:.3em .6em;border-bottom:1px solid #ddd;text-align:left}
.price{font-weight:bold;color:#b00}.notice{padding:.5em;border:1px solid #e0a800;background:#fff3cd}
.notice.error{border-color:#c00;background:#fdd}.field{margin:.4em 0}.field label{display:inline-block;width:12em}
.field-error{color:#c00;margin-left:.5em}.flash{background:#e7f5e7;padding:.5em}
.product-card{list-style:none;border:1px solid #ddd;margin:.5em 0;padding:.6em}
dl.specs dt{float:left;clear:left;width:8em;color:#666}dl.specs dd{margin-left:8em}
button{padding:.4em 1em}
</style></head><body>
{{end}}

{{define "header"}}<header class="site-header">
<a class="brand" href="{{.Home}}">{{.Name}}</a>
<form id="search-form" role="search" action="{{.Search}}" method="get">
<label for="q">Search</label> <input id="q" name="q" type="search" placeholder="Search products">
<button id="search-button" type="submit">Search</button></form>
<a id="cart-link" href="{{.Cart}}">Cart (<span id="cart-count">{{.CartCount}}</span>)</a>
<a href="{{.Info}}">Delivery &amp; offers</a>
</header><main>
{{end}}

{{define "bottom"}}</main><footer><p>Prices include VAT.</p></footer></body></html>{{end}}

{{define "home"}}{{template "top" .Site.Name}}{{template "header" .Site}}
<h1>Welcome to {{.Site.Name}}</h1>
<section id="categories"><h2>Shop by category</h2><ul>
{{range .Info.Categories}}<li><a class="category-link" href="{{$.Site.Search}}?category={{.}}">{{title .}}</a></li>{{end}}
</ul></section>
<section id="brands"><h2>Brands</h2><ul>{{range .Info.Brands}}<li><a class="brand-link" href="{{$.Site.Search}}?brand={{.}}">{{.}}</a></li>{{end}}</ul></section>
<section id="facets"><h2>Shop by feature</h2>
{{range .Facets}}<div class="facet" data-key="{{.Key}}"><h3>{{title .Key}}</h3>{{$k := .Key}}
{{range .Values}}<a class="facet-value" href="{{$.Site.Search}}?attr.{{$k}}={{.}}">{{.}}</a> {{end}}</div>{{end}}
</section>
{{template "bottom"}}{{end}}

{{define "search"}}{{template "top" (print "Search · " .Site.Name)}}{{template "header" .Site}}
<h1>Results{{with .Query.Text}} for “<span id="query-text">{{.}}</span>”{{end}}</h1>
<form id="filter-form" action="{{.Site.Search}}" method="get">
<input type="hidden" name="q" value="{{.Query.Text}}">
<label for="category">Category</label> <select id="category" name="category"><option value="">All</option>
{{range .Info.Categories}}<option value="{{.}}"{{if eq . $.Query.Category}} selected{{end}}>{{.}}</option>{{end}}</select>
<button type="submit">Filter</button></form>
{{if .Cards}}<ul id="results">
{{range .Cards}}<li class="product-card" data-sku="{{.P.SKU}}">
<a class="product-link" href="{{$.Site.Product .P.SKU}}">{{.Title}}</a>
<span class="price">{{if gt .Variants 1}}from {{end}}{{.MinPrice}}</span>
{{if gt .Variants 1}}<div class="variants">{{.Variants}} options:{{range .Options}} <span class="option-summary" data-key="{{.Key}}">{{.Key}}: {{range $i, $v := .Values}}{{if $i}}, {{end}}{{$v}}{{end}}</span>{{end}}</div>
{{else}}<div class="meta"><span class="sku">SKU: {{.P.SKU}}</span>
{{if .P.Rating}}<span class="rating">Rated {{printf "%.1f" .P.Rating}}</span>{{end}}
<span class="stock">{{if gt .P.Stock 0}}In stock ({{.P.Stock}}){{else}}Out of stock{{end}}</span></div>
<dl class="specs">{{if .P.Category}}<dt>category</dt><dd>{{.P.Category}}</dd>{{end}}{{if .P.Brand}}<dt>brand</dt><dd>{{.P.Brand}}</dd>{{end}}
{{range $k, $v := .P.Attributes}}<dt>{{$k}}</dt><dd>{{$v}}</dd>{{end}}</dl>{{end}}
</li>{{end}}
</ul>{{else}}<p id="no-results">No products found.</p>{{end}}
{{template "bottom"}}{{end}}

{{define "product"}}{{template "top" (print .P.Title " · " .Site.Name)}}{{template "header" .Site}}
<nav aria-label="breadcrumb"><a href="{{.Site.Home}}">Home</a> › <a href="{{.Site.Search}}?category={{.P.Category}}">{{.P.Category}}</a></nav>
<h1 id="title">{{.P.Title}}</h1>
<p class="byline">{{with .P.Brand}}by <span id="brand">{{.}}</span> · {{end}}SKU: <span id="sku">{{.P.SKU}}</span></p>
<p><span id="price" class="price">{{.P.Price}}</span> · <span id="availability">{{if gt .P.Stock 0}}In stock ({{.P.Stock}}){{else}}Out of stock{{end}}</span>
{{if .P.Rating}} · <span id="rating">Rated {{printf "%.1f" .P.Rating}}</span>{{end}}</p>
<div id="description"><h2>Description</h2><p>{{.P.Description}}</p></div>
<h2>Specifications</h2><dl id="specs" class="specs">{{range .Specs}}<dt>{{.Key}}</dt><dd>{{.Value}}</dd>{{end}}</dl>
<form id="add-form" method="post" action="{{.Site.CartAdd}}" data-variants="{{json .Variants}}">
<input type="hidden" name="sku" value="{{.P.SKU}}">
{{range .Options}}<div class="option"><label for="opt-{{.Key}}">{{title .Key}}</label>
<select id="opt-{{.Key}}" name="opt_{{.Key}}" class="option-picker">{{$c := .Chosen}}
{{range .Values}}<option value="{{.}}"{{if eq . $c}} selected{{end}}>{{.}}</option>{{end}}</select></div>{{end}}
<label for="qty">Quantity</label> <input id="qty" name="quantity" type="number" min="1" max="99" value="1">
<button id="add-to-cart" type="submit"{{if le .P.Stock 0}} disabled{{end}}>Add to cart</button>
</form>
<script>
(function(){
  var f=document.getElementById('add-form');var vs=JSON.parse(f.dataset.variants);
  function pick(){
    var c={};f.querySelectorAll('select.option-picker').forEach(function(s){c[s.name.slice(4)]=s.value;});
    var m=vs.find(function(v){return Object.keys(c).every(function(k){return v.attributes&&v.attributes[k]===c[k];});});
    var b=document.getElementById('add-to-cart');
    if(!m){b.disabled=true;document.getElementById('availability').textContent='This combination is not available';return;}
    b.disabled=m.stock<=0;f.elements.sku.value=m.sku;
    document.getElementById('sku').textContent=m.sku;document.getElementById('price').textContent=m.price;
    document.getElementById('title').textContent=m.title;
    document.getElementById('availability').textContent=m.stock>0?'In stock ('+m.stock+')':'Out of stock';
    history.replaceState(null,'',m.url);
  }
  f.addEventListener('change',function(e){if(e.target.classList.contains('option-picker'))pick();});
})();
</script>
{{template "bottom"}}{{end}}

{{define "cart"}}{{template "top" (print "Cart · " .Site.Name)}}{{template "header" .Site}}
<h1>Your cart</h1>
{{with .Flash}}<p class="flash" role="status">{{.}}</p>{{end}}
{{if .S}}
{{range .S.Messages}}<p class="notice {{.Type}}" role="alert">{{.Text}}</p>{{end}}
<form id="cart-form" method="post" action="{{.Site.CartUpdate}}">
<table id="cart-lines"><thead><tr><th>Item</th><th>Price</th><th>Quantity</th><th>Total</th><th></th></tr></thead><tbody>
{{range .S.Lines}}{{if .AddOn}}<tr class="cart-line addon" data-sku="{{.SKU}}">
<td class="line-title"><label><input type="checkbox" class="addon-toggle" name="keep_{{.SKU}}" value="1" checked> {{.Title}}</label>
<div class="line-sku">SKU: {{.SKU}}</div><div class="hint">Recommended extra</div></td>
<td class="line-unit">{{.UnitPrice}}</td><td class="line-qty-cell">{{.Quantity}}</td><td class="line-total">{{.Total}}</td><td></td></tr>
{{else}}<tr class="cart-line" data-sku="{{.SKU}}">
<td class="line-title"><a href="{{$.Site.Product .SKU}}">{{.Title}}</a><div class="line-sku">SKU: {{.SKU}}</div></td>
<td class="line-unit">{{.UnitPrice}}</td>
<td><input class="line-qty" name="qty_{{.SKU}}" type="number" min="0" max="99" value="{{.Quantity}}" aria-label="Quantity of {{.Title}}"></td>
<td class="line-total">{{.Total}}</td>
<td><button class="remove-line" name="remove" value="{{.SKU}}" type="submit">Remove</button></td></tr>{{end}}{{end}}
</tbody></table>
<p><label for="coupon">Promotion code</label> <input id="coupon" name="coupon" value="{{.S.Coupon}}">
<button id="update-cart" type="submit">Update cart</button></p>
</form>
<dl id="totals">
<dt>Subtotal</dt><dd id="subtotal">{{.S.Totals.Subtotal}}</dd>
<dt>Discount{{with .S.Totals.Coupon}} (<span id="applied-coupon">{{.}}</span>){{end}}</dt><dd id="discount">{{neg .S.Totals.Discount}}</dd>
<dt>Delivery</dt><dd id="shipping">{{.S.Totals.Shipping}}</dd>
<dt>Total</dt><dd id="total">{{.S.Totals.Total}}</dd>
</dl>
<p>Cart reference: <span id="cart-ref">{{.S.ID}}</span></p>
<p><a id="checkout-button" class="button" href="{{.Site.Checkout}}">Proceed to checkout</a></p>
<form method="post" action="{{.Site.CartEmpty}}"><button id="empty-cart" type="submit">Empty cart</button></form>
{{else}}<p id="cart-empty">Your cart is empty.</p>{{end}}
{{template "bottom"}}{{end}}

{{define "checkout"}}{{template "top" (print "Checkout · " .Site.Name)}}{{template "header" .Site}}
<h1>Checkout</h1>
{{range .S.Messages}}<p class="notice {{.Type}}" role="alert" data-code="{{.Code}}">{{.Text}}</p>{{end}}
<section id="order-summary"><h2>Order summary</h2>
<table id="summary-lines"><tbody>
{{range .S.Lines}}<tr class="summary-line{{if .AddOn}} addon{{end}}" data-sku="{{.SKU}}"><td class="line-title">{{.Title}}<div class="line-sku">SKU: {{.SKU}}</div></td>
<td class="line-qty-cell">{{.Quantity}}</td><td class="line-unit">{{.UnitPrice}}</td><td class="line-total">{{.Total}}</td></tr>{{end}}
</tbody></table>
<dl id="checkout-totals">
<dt>Subtotal</dt><dd id="checkout-subtotal">{{.S.Totals.Subtotal}}</dd>
<dt>Discount</dt><dd id="checkout-discount">{{neg .S.Totals.Discount}}</dd>
<dt>Delivery</dt><dd id="checkout-shipping">{{.S.Totals.Shipping}}</dd>
<dt>Total</dt><dd id="checkout-total">{{.S.Totals.Total}}</dd>
</dl>
<p>Cart reference: <span id="checkout-ref">{{.S.ID}}</span></p></section>
<form id="checkout-form" method="post" action="{{.Site.Checkout}}">
<input type="hidden" name="expected_total" value="{{.S.Totals.Total.Minor}}">
<fieldset><legend>Delivery address</legend>
{{field .F "name" "name" "name" "Full name" "name" .F.Name}}
{{field .F "line1" "address1" "address1" "Address line 1" "address-line1" .F.Line1}}
{{field .F "line2" "address2" "address2" "Address line 2" "address-line2" .F.Line2}}
{{field .F "city" "city" "city" "City" "address-level2" .F.City}}
{{field .F "region" "region" "region" "Region / province" "address-level1" .F.Region}}
{{field .F "postal" "postcode" "postcode" "Postal code" "postal-code" .F.Postal}}
{{field .F "country" "country" "country" "Country" "country" .F.Country}}
{{field .F "phone" "phone" "phone" "Phone" "tel" .F.Phone}}
{{field .F "email" "email" "email" "Email (optional)" "email" .F.Email}}
</fieldset>
<fieldset><legend>Payment</legend>
{{field .F "token" "payment-token" "payment_token" "Delegated payment token" "off" .F.Token}}
</fieldset>
<button id="place-order" type="submit"{{if ne .S.Status "ready_for_payment"}} disabled{{end}}>Place order and pay {{.S.Totals.Total}}</button>
</form>
<p><a href="{{.Site.Cart}}">Back to cart</a></p>
{{template "bottom"}}{{end}}

{{define "order"}}{{template "top" (print "Order " .O.ID " · " .Site.Name)}}{{template "header" .Site}}
<h1>Thank you for your order</h1>
<p>Order number: <strong id="order-id">{{.O.ID}}</strong> · Status: <span id="order-status">{{.O.Status}}</span></p>
<table id="order-lines"><tbody>{{range .O.Lines}}<tr class="order-line" data-sku="{{.SKU}}"><td>{{.Title}}<div class="line-sku">SKU: {{.SKU}}</div></td><td>{{.Quantity}}</td><td>{{.UnitPrice}}</td><td>{{.Total}}</td></tr>{{end}}</tbody></table>
<p>Total charged: <strong id="order-total">{{.O.Total}}</strong></p>
<p>Refunded: <span id="order-refunded">{{.O.Refunded}}</span></p>
<p>Payment reference: <span id="payment-ref">{{.O.PaymentID}}</span></p>
{{with .Refund}}<p id="refund-result" role="status">Refund issued: {{.}}</p>{{end}}
{{if and .CanRefund (gt .Left.Minor 0)}}<form id="refund-form" method="post" action="{{.Site.Refund .O.ID}}">
<input type="hidden" name="key" value="{{.Key}}"><input type="hidden" name="nonce" value="{{.Nonce}}">
<label for="refund-amount">Refund amount (empty: all of {{.Left}})</label> <input id="refund-amount" name="amount">
<button id="request-refund" type="submit">Request refund</button></form>{{end}}
{{template "bottom"}}{{end}}

{{define "info"}}{{template "top" (print "Delivery & offers · " .Site.Name)}}{{template "header" .Site}}
<h1>Delivery &amp; offers</h1>
<dl id="delivery">
<dt>Delivery fee</dt><dd id="delivery-fee">{{.Info.Shipping.Fee}}</dd>
{{with .Info.Shipping.FreeOver}}<dt>Free delivery on orders from</dt><dd id="free-over">{{.}}</dd>{{end}}
<dt>Delivery time</dt><dd id="eta"><span id="eta-days">{{.Info.Shipping.ETADays}}</span> day(s)</dd>
</dl>
<h2>Promotion codes</h2>
<table id="offers"><thead><tr><th>Code</th><th>Saving</th><th>Minimum spend</th></tr></thead><tbody>
{{range .Info.Coupons}}<tr class="offer"><td class="offer-code">{{.Code}}</td><td class="offer-off">{{.AmountOff}}</td><td class="offer-min">{{.MinSpend}}</td></tr>{{end}}
</tbody></table>
<p>The best code is applied automatically; one code per order.</p>
{{template "bottom"}}{{end}}

{{define "error"}}{{template "top" .Title}}{{template "header" .Site}}
<h1 id="error-title">{{.Title}}</h1><p id="error-message" role="alert">{{.Msg}}</p>
<p><a href="{{.Site.Home}}">Back to the shop</a></p>
{{template "bottom"}}{{end}}
`

const bazaarHTML = `
{{define "top"}}<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{{.}}</title>
<style>
body{font-family:"Liberation Serif",Georgia,serif;background:#fbf7ef;margin:0}
.bar{background:#6a994e;padding:.5em 1em;color:#fff}.bar a{color:#fff}
.wrap{padding:1em}.grid{display:flex;flex-wrap:wrap;gap:1em}
.tile{width:16em;background:#fff;border-radius:6px;padding:.8em;box-shadow:0 1px 3px #0002}
.amt{color:#386641}.warn{background:#ffe8d6;padding:.4em}.oops{color:#9d0208}
.row{display:flex;gap:1em;border-bottom:1px dashed #ccc;padding:.4em 0}
.btn-primary{background:#386641;color:#fff;border:0;padding:.5em 1.2em;border-radius:4px}
</style></head><body>
{{end}}

{{define "header"}}<div class="bar">
<span class="logo"><a href="{{.Home}}">{{.Name}}</a> market</span>
<form class="finder" action="{{.Search}}" method="get"><input name="term" aria-label="Find products" placeholder="What are you looking for?">
<input type="submit" value="Find"></form>
<a class="basket-link" href="{{.Cart}}">Basket · {{.CartCount}} item(s)</a> · <a href="{{.Info}}">Shipping info</a>
</div><div class="wrap">
{{end}}

{{define "bottom"}}</div></body></html>{{end}}

{{define "home"}}{{template "top" .Site.Name}}{{template "header" .Site}}
<h2>Fresh today at {{.Site.Name}}</h2>
<div class="aisles">{{range .Info.Categories}}<a href="{{$.Site.Search}}?category={{.}}">{{.}}</a> · {{end}}</div>
{{template "bottom"}}{{end}}

{{define "search"}}{{template "top" (print "Find · " .Site.Name)}}{{template "header" .Site}}
<h2>We found {{len .Results}} item(s)</h2>
<div class="grid">
{{range .Results}}<article class="tile">
<h3><a href="{{$.Site.Parent .}}">{{.Title}}</a></h3>
<b class="amt">{{plain .Price}}</b>
<ul class="feat"><li>Item no. {{.SKU}}</li>{{if .Category}}<li>Category — {{.Category}}</li>{{end}}{{if .Brand}}<li>Brand — {{.Brand}}</li>{{end}}
{{range $k, $v := .Attributes}}<li>{{$k}} — {{$v}}</li>{{end}}</ul>
<small>{{if gt .Stock 0}}{{.Stock}} left{{else}}Sold out{{end}}</small>
</article>{{else}}<p>Nothing matched.</p>{{end}}
</div>
{{template "bottom"}}{{end}}

{{define "product"}}{{template "top" (print .P.Title " · " .Site.Name)}}{{template "header" .Site}}
<div class="pdp">
<h2 class="pdp-name">{{.P.Title}}</h2>
<div class="pdp-cost"><b class="amt">{{plain .P.Price}}</b> <small>{{if gt .P.Stock 0}}{{.P.Stock}} left{{else}}Sold out{{end}}</small></div>
<p class="pdp-ref">Item no. {{.P.SKU}}</p>
<section class="about"><p>{{.P.Description}}</p></section>
<table class="facts">{{range .Specs}}<tr><th>{{.Key}}</th><td>{{.Value}}</td></tr>{{end}}</table>
<form class="buybox" method="post" action="{{.Site.CartAdd}}">
<input type="hidden" name="sku" value="{{.P.SKU}}">
{{range .Options}}<fieldset class="choice"><legend>Choose {{.Key}}</legend>{{$k := .Key}}{{$c := .Chosen}}
{{range .Values}}<label><input type="radio" name="opt_{{$k}}" value="{{.}}"{{if eq . $c}} checked{{end}}> {{.}}</label> {{end}}</fieldset>{{end}}
<label>How many? <input name="quantity" type="number" min="1" max="99" value="1"></label>
<button class="btn-primary" type="submit"{{if le .P.Stock 0}} disabled{{end}}>Add to basket</button>
</form></div>
{{template "bottom"}}{{end}}

{{define "cart"}}{{template "top" (print "Basket · " .Site.Name)}}{{template "header" .Site}}
<h2>Basket</h2>
{{with .Flash}}<div class="warn">{{.}}</div>{{end}}
{{if .S}}{{range .S.Messages}}<div class="oops">{{.Text}}</div>{{end}}
<form method="post" action="{{.Site.CartUpdate}}">
<div class="basket">
{{range .S.Lines}}<div class="row">
{{if .AddOn}}<span><input type="checkbox" id="x-{{.SKU}}" name="keep_{{.SKU}}" value="1" checked><label for="x-{{.SKU}}">{{.Title}} (Item no. {{.SKU}})</label></span>
<span>{{.Quantity}} ×</span>
{{else}}<span><a href="{{$.Site.Product .SKU}}">{{.Title}}</a> (Item no. {{.SKU}})</span>
<span><input type="number" name="qty_{{.SKU}}" value="{{.Quantity}}" min="0" max="99" aria-label="quantity"> ×</span>{{end}}
<span>{{plain .UnitPrice}}</span><span>= {{plain .Total}}</span>
{{if not .AddOn}}<button name="remove" value="{{.SKU}}">Delete</button>{{end}}
</div>{{end}}
</div>
<p>Voucher: <input name="coupon" value="{{.S.Coupon}}" aria-label="voucher"> <button type="submit">Recalculate</button></p>
</form>
<table class="sum">
<tr><td>Items</td><td>{{plain .S.Totals.Subtotal}}</td></tr>
<tr><td>Savings</td><td>{{plain (neg .S.Totals.Discount)}}</td></tr>
<tr><td>Shipping</td><td>{{plain .S.Totals.Shipping}}</td></tr>
<tr><td><b>To pay</b></td><td><b>{{plain .S.Totals.Total}}</b></td></tr>
</table>
<p>Basket ID {{.S.ID}}</p>
<form method="get" action="{{.Site.Checkout}}"><button class="btn-primary">Go to payment</button></form>
<form method="post" action="{{.Site.CartEmpty}}"><button>Clear basket</button></form>
{{else}}<p>Your basket is empty.</p>{{end}}
{{template "bottom"}}{{end}}

{{define "checkout"}}{{template "top" (print "Payment · " .Site.Name)}}{{template "header" .Site}}
<h2>Payment</h2>
{{range .S.Messages}}<div class="oops">{{.Text}}</div>{{end}}
<div class="basket">{{range .S.Lines}}<div class="row"><span>{{.Title}} (Item no. {{.SKU}})</span><span>{{.Quantity}} ×</span><span>{{plain .UnitPrice}}</span><span>= {{plain .Total}}</span></div>{{end}}</div>
<table class="sum">
<tr><td>Items</td><td>{{plain .S.Totals.Subtotal}}</td></tr>
<tr><td>Savings</td><td>{{plain (neg .S.Totals.Discount)}}</td></tr>
<tr><td>Shipping</td><td>{{plain .S.Totals.Shipping}}</td></tr>
<tr><td><b>To pay</b></td><td><b>{{plain .S.Totals.Total}}</b></td></tr>
</table>
<p>Basket ID {{.S.ID}}</p>
<form method="post" action="{{.Site.Checkout}}" class="payform">
<input type="hidden" name="expected_total" value="{{.S.Totals.Total.Minor}}">
{{field .F "name" "f1" "fullname" "Recipient" "name" .F.Name}}
{{field .F "line1" "f2" "street" "Street and number" "address-line1" .F.Line1}}
{{field .F "line2" "f3" "street2" "Apartment, floor" "address-line2" .F.Line2}}
{{field .F "city" "f4" "town" "Town" "address-level2" .F.City}}
{{field .F "region" "f5" "county" "County / state" "address-level1" .F.Region}}
{{field .F "postal" "f6" "zip" "ZIP" "postal-code" .F.Postal}}
{{field .F "country" "f7" "nation" "Country" "country" .F.Country}}
{{field .F "phone" "f8" "tel" "Telephone" "tel" .F.Phone}}
{{field .F "email" "f9" "mail" "E-mail" "email" .F.Email}}
{{field .F "token" "f10" "credential" "Payment token" "off" .F.Token}}
<button class="btn-primary" type="submit"{{if ne .S.Status "ready_for_payment"}} disabled{{end}}>Pay now</button>
</form>
{{template "bottom"}}{{end}}

{{define "order"}}{{template "top" (print "Receipt · " .Site.Name)}}{{template "header" .Site}}
<h2>Receipt</h2>
<p>Order no. {{.O.ID}} — {{.O.Status}}</p>
<div class="basket">{{range .O.Lines}}<div class="row"><span>{{.Title}} (Item no. {{.SKU}})</span><span>{{.Quantity}} ×</span><span>{{plain .Total}}</span></div>{{end}}</div>
<p>Amount charged: <b>{{plain .O.Total}}</b></p>
<p>For returns, please contact our shop by phone.</p>
{{template "bottom"}}{{end}}

{{define "info"}}{{template "top" (print "Shipping · " .Site.Name)}}{{template "header" .Site}}
<h2>Shipping</h2>
<p>Shipping costs {{plain .Info.Shipping.Fee}} per order{{with .Info.Shipping.FreeOver}}, free for orders over {{plain .}}{{end}}. Arrives in {{.Info.Shipping.ETADays}} day(s).</p>
<h3>Vouchers</h3><ul>{{range .Info.Coupons}}<li>Use code <code>{{.Code}}</code> for {{plain .AmountOff}} off orders of {{plain .MinSpend}} or more</li>{{end}}</ul>
{{template "bottom"}}{{end}}

{{define "error"}}{{template "top" .Title}}{{template "header" .Site}}
<h2>{{.Title}}</h2><div class="oops">{{.Msg}}</div>
{{template "bottom"}}{{end}}
`
