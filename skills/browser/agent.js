// agent.js — the page side of the browser skill. Go evaluates
// (AGENT)(selectors, op, arg) in the page; the function returns a JSON
// string. It only reads the page and marks elements (data-cw="role") for Go
// to act on with real input events. Page text is returned as data; nothing
// here acts on what the text says.
//
// Every lookup takes a role. When the site profile gives a CSS selector for
// the role it is used, and a miss is reported with the role and selector;
// otherwise a heuristic finds the element by labels, roles and structure.
(function (P, op, arg) {
  'use strict';
  P = P || {};
  var CUR = '(?:CN¥|HK\\$|S\\$|JP¥|[¥$€£₩]|\\b(?:CNY|USD|EUR|GBP|HKD|SGD|JPY|KRW)\\b)';
  var NUM = '[-−]?\\s?\\d[\\d,]*(?:\\.\\d+)?';
  var MONEY = new RegExp(CUR + '\\s?' + NUM + '|' + NUM + '\\s?\\b(?:CNY|USD|EUR|GBP|HKD|SGD|JPY|KRW)\\b');
  var MONEY_G = new RegExp(MONEY.source, 'g');
  var SKU_SRC = '\\b(?:SKU|Item\\s*(?:no\\.?|number|#)|Art(?:icle)?\\.?\\s*(?:no\\.?|nr\\.?)|Product\\s*code|Model\\s*no\\.?)\\s*[:#]?\\s*([A-Za-z0-9][A-Za-z0-9._\\-]*[A-Za-z0-9])';
  var SKU = new RegExp(SKU_SRC, 'i');
  var SKU_G = new RegExp(SKU_SRC, 'gi');
  var missing = null;

  function arr(x) { return Array.prototype.slice.call(x || []); }
  function txt(el) { return el ? (el.innerText || el.textContent || '').replace(/\s+/g, ' ').trim() : ''; }
  function chrome(el) { return !!el.closest('header,nav,footer,[role=navigation],[role=banner],[role=search],.bar'); }
  function main() { return document.querySelector('main,[role=main]') || document.body; }
  function one(role, scope, heur) {
    scope = scope || document;
    if (P[role]) {
      var el = scope.querySelector(P[role]);
      if (!el && !missing) missing = { role: role, selector: P[role] };
      return el;
    }
    return heur ? heur(scope) || null : null;
  }
  function many(role, scope, heur) {
    scope = scope || document;
    if (P[role]) return arr(scope.querySelectorAll(P[role]));
    return heur ? heur(scope) : [];
  }
  function moneyIn(s) { var m = (s || '').match(MONEY); return m ? m[0] : ''; }
  function priceEls(scope) {
    var out = [];
    arr(scope.querySelectorAll('*')).forEach(function (el) {
      if (/^(SCRIPT|STYLE|OPTION|SELECT|INPUT|TEXTAREA|BUTTON|FORM|TABLE|TBODY|UL|DL)$/.test(el.tagName)) return;
      var t = txt(el);
      if (t.length > 40 || !MONEY.test(t)) return;
      if (arr(el.children).some(function (c) { return MONEY.test(txt(c)); })) return;
      out.push(el);
    });
    return out;
  }
  function skuIn(el) {
    if (!el) return '';
    var d = el.getAttribute && el.getAttribute('data-sku');
    if (d) return d;
    var m = txt(el).match(SKU);
    return m ? m[1] : '';
  }
  function norm(s) {
    return (s || '').toLowerCase().replace(/[:*]/g, '').replace(/^\s*(choose|select|pick)( a| your)?\s+/, '').trim();
  }
  function labelOf(el) {
    if (!el) return '';
    if (el.id) {
      var l = document.querySelector('label[for="' + CSS.escape(el.id) + '"]');
      if (l) return txt(l);
    }
    var p = el.closest('label');
    if (p) return txt(p);
    return el.getAttribute('aria-label') || el.getAttribute('placeholder') || el.name || '';
  }
  function byText(scope, sel, re) {
    return arr(scope.querySelectorAll(sel)).filter(function (el) {
      return re.test(txt(el) || el.value || el.getAttribute('aria-label') || '');
    })[0];
  }
  function pairs(scope) {
    var out = {};
    arr(scope.querySelectorAll('dl')).forEach(function (dl) {
      arr(dl.querySelectorAll('dt')).forEach(function (dt) {
        var dd = dt.nextElementSibling;
        if (dd && dd.tagName === 'DD') out[txt(dt).toLowerCase()] = txt(dd);
      });
    });
    arr(scope.querySelectorAll('tr')).forEach(function (tr) {
      var c = tr.children;
      if (c.length === 2 && !tr.closest('form') && !MONEY.test(txt(tr))) out[txt(c[0]).toLowerCase()] = txt(c[1]);
    });
    arr(scope.querySelectorAll('li')).forEach(function (li) {
      var m = txt(li).match(/^([^:—–]{1,30}?)\s*[:—–]\s*(.+)$/);
      if (m) out[m[1].trim().toLowerCase()] = m[2].trim();
    });
    return out;
  }
  function stockIn(t) {
    var m;
    if (/out of stock|sold out|unavailable/i.test(t)) return 0;
    if ((m = t.match(/in stock\s*\((\d+)\)/i)) || (m = t.match(/(\d+)\s*(?:left|in stock|available)/i))) return +m[1];
    return /in stock|available/i.test(t) ? -1 : null;
  }
  function ratingIn(t) {
    var m = t.match(/rated\s*(\d(?:\.\d+)?)/i) || t.match(/(\d(?:\.\d+)?)\s*(?:\/\s*5|stars?|★)/i);
    return m ? +m[1] : 0;
  }
  function tag(el, role) {
    if (!el) return false;
    arr(document.querySelectorAll('[data-cw="' + role + '"]')).forEach(function (x) { x.removeAttribute('data-cw'); });
    el.setAttribute('data-cw', role);
    return true;
  }

  // ---- search results ----
  function results() {
    var items = many('result', document, function () {
      var seen = [], out = [];
      arr(main().querySelectorAll('a[href]')).forEach(function (a) {
        if (chrome(a) || !txt(a)) return;
        var el = a.parentElement;
        for (var i = 0; el && i < 6; i++, el = el.parentElement) {
          var hrefs = {};
          arr(el.querySelectorAll('a[href]')).forEach(function (x) { hrefs[x.href] = 1; });
          if (Object.keys(hrefs).length > 1) { el = null; break; }
          if (moneyIn(txt(el))) break;
        }
        if (el && el !== document.body && seen.indexOf(el) < 0) { seen.push(el); out.push(el); }
      });
      return out;
    });
    return items.map(function (it) {
      var a = one('result_link', it, function (s) { return s.querySelector('a[href]'); });
      var pe = one('result_price', it, function (s) { return priceEls(s)[0]; });
      var t = txt(it);
      var ptxt = pe ? txt(pe) : moneyIn(t);
      return {
        title: txt(one('result_title', it, function () { return a; })),
        url: a ? a.href : '',
        price: moneyIn(ptxt),
        sku: skuIn(one('result_sku', it, function () { return it; })),
        specs: pairs(it), stock: stockIn(t), rating: ratingIn(t),
        family: /\bfrom\b/i.test(ptxt) || /\b\d+\s+(options|variants|sizes|colou?rs)\b/i.test(t),
      };
    });
  }

  // ---- product page ----
  function addButton(scope) {
    return one('add_to_cart', scope, function (s) {
      return byText(s, 'button,input[type=submit]', /add to (cart|basket|bag|trolley)|buy now|^add$/i);
    });
  }
  function pickers(form) {
    var out = [];
    if (!form) return out;
    many('option', form, function (f) { return arr(f.querySelectorAll('select')); }).forEach(function (sel) {
      if (sel.tagName !== 'SELECT') return;
      out.push({ key: norm(labelOf(sel)), name: sel.name, kind: 'select', chosen: sel.value,
        values: arr(sel.options).map(function (o) { return o.value; }) });
    });
    var groups = {};
    arr(form.querySelectorAll('input[type=radio]')).forEach(function (r) {
      var g = groups[r.name];
      if (!g) {
        var fs = r.closest('fieldset'), lg = fs && fs.querySelector('legend');
        g = groups[r.name] = { key: norm(lg ? txt(lg) : r.name), name: r.name, kind: 'radio', chosen: '', values: [] };
        out.push(g);
      }
      g.values.push(r.value);
      if (r.checked) g.chosen = r.value;
    });
    return out;
  }
  function product() {
    var m = main();
    var title = one('product_title', m, function (s) { return s.querySelector('h1') || s.querySelector('h2'); });
    var btn = addButton(m);
    var form = btn ? btn.closest('form') : null;
    var pe = one('product_price', m, function (s) {
      return priceEls(s).filter(function (e) {
        return !title || (title.compareDocumentPosition(e) & Node.DOCUMENT_POSITION_FOLLOWING);
      })[0];
    });
    var desc = one('product_description', m, function (s) {
      var c = s.querySelector('[id*=desc],[class*=desc],[class*=about],[id*=about]');
      if (c) return c;
      return arr(s.querySelectorAll('p')).sort(function (a, b) { return txt(b).length - txt(a).length; })[0];
    });
    var dtext = desc ? (arr(desc.querySelectorAll('p')).map(txt).join(' ') || txt(desc)) : '';
    var specScope = document.createElement('div');
    arr(m.children).forEach(function (c) { if (c.tagName !== 'FORM' && !c.querySelector('form')) specScope.appendChild(c.cloneNode(true)); });
    if (!specScope.children.length) specScope = m;
    var qty = form && (form.querySelector('input[type=number]') || form.querySelector('input[name*=qty i],input[name*=quant i]'));
    var vj = one('variants', document, function (s) { return s.querySelector('[data-variants]'); });
    var variants = null;
    if (vj) { try { variants = JSON.parse(vj.getAttribute(P.variants_attr || 'data-variants')); } catch (e) { variants = null; } }
    var t = txt(m);
    return {
      title: txt(title), price: pe ? moneyIn(txt(pe)) : '', sku: skuIn(one('product_sku', m, function () { return m; })),
      description: dtext, specs: pairs(specScope), stock: stockIn(t), rating: ratingIn(t),
      options: pickers(form), has_qty: !!qty, has_add: !!btn, add_disabled: !!(btn && btn.disabled), variants: variants,
    };
  }
  function choose(a) {
    var btn = addButton(main());
    var form = btn ? btn.closest('form') : null;
    var ps = pickers(form), want = norm(a.key);
    var p = ps.filter(function (x) { return x.key === want; })[0] ||
      ps.filter(function (x) { return x.key.indexOf(want) >= 0 || want.indexOf(x.key) >= 0 || x.name.toLowerCase().indexOf(want) >= 0; })[0];
    if (!p) return { error: 'no option picker for "' + a.key + '"', pickers: ps.map(function (x) { return x.key; }) };
    var val = p.values.filter(function (v) { return v.toLowerCase() === String(a.value).toLowerCase(); })[0];
    if (val === undefined) return { error: 'option "' + a.key + '" has no value "' + a.value + '"', values: p.values };
    if (p.kind === 'select') {
      var sel = arr(form.querySelectorAll('select')).filter(function (s) { return s.name === p.name; })[0];
      tag(sel, 'choice');
      return { kind: 'select', value: val };
    }
    var r = arr(form.querySelectorAll('input[type=radio]')).filter(function (x) { return x.name === p.name && x.value === val; })[0];
    tag(r, 'choice');
    return { kind: 'radio', value: val };
  }

  // ---- cart, checkout and order pages ----
  function lineRows() {
    return many('cart_line', document, function () {
      var rows = [];
      arr(main().querySelectorAll('*')).forEach(function (el) {
        if (!SKU.test(txt(el)) || arr(el.children).some(function (c) { return SKU.test(txt(c)); })) return;
        var row = el;
        while (row && row !== document.body && !priceEls(row).length) row = row.parentElement;
        if (row && row !== document.body && rows.indexOf(row) < 0 && (txt(row).match(SKU_G) || []).length === 1) rows.push(row);
      });
      return rows;
    });
  }
  function lines() {
    return lineRows().map(function (row) {
      var sku = skuIn(one('line_sku', row, function () { return row; }));
      var qi = one('line_qty', row, function (s) { return s.querySelector('input[type=number],input[name*=qty i]'); });
      var cb = one('line_addon', row, function (s) { return s.querySelector('input[type=checkbox]'); });
      var qty = qi ? qi.value : '';
      if (!qty) {
        var cells = arr(row.querySelectorAll('td,span')).map(txt).filter(function (x) { return /^\d+\s*(×|x)?$/.test(x); });
        qty = cells.length ? cells[0].replace(/\D/g, '') : '1';
      }
      var prices = priceEls(row).map(function (e) { return moneyIn(txt(e)); });
      var te = one('line_title', row, function (s) { return s.querySelector('a') || s.querySelector('label') || s.querySelector('td,span'); });
      var title = txt(te).replace(SKU, '').replace(/\(\s*\)/, '').replace(/\s+/g, ' ').trim();
      return {
        sku: sku, title: title, quantity: qty,
        unit: P.line_unit ? moneyIn(txt(row.querySelector(P.line_unit))) : (prices[0] || ''),
        total: P.line_total ? moneyIn(txt(row.querySelector(P.line_total))) : (prices[prices.length - 1] || ''),
        addon: !!cb, checked: !!(cb && cb.checked),
      };
    });
  }
  var LABELS = {
    subtotal: /^(sub-?total|items|merchandise)\b/i,
    discount: /^(discount|savings?|promotion|coupon|voucher)/i,
    shipping: /^(delivery|shipping|postage)\b/i,
    total: /^(total|grand total|order total|to pay|amount due|total to pay)\b/i,
  };
  function amountFor(role) {
    var el = one(role, document, function () {
      var rows = lineRows();
      var hit = null;
      arr(main().querySelectorAll('dt,td,th,span,b,strong,label')).some(function (l) {
        if (rows.some(function (r) { return r.contains(l); }) || !LABELS[role].test(txt(l)) || MONEY.test(txt(l))) return false;
        var v = l.tagName === 'DT' ? l.nextElementSibling : null;
        if (!v) {
          var row = l.closest('tr') || l.parentElement;
          v = priceEls(row)[0];
        }
        if (v && MONEY.test(txt(v))) { hit = v; return true; }
        return false;
      });
      return hit;
    });
    return el ? moneyIn(txt(el)) : '';
  }
  function reference() {
    var el = one('reference', document, null);
    if (el) return txt(el);
    var m = txt(main()).match(/\b(?:cart|basket|checkout|order)\s*(?:reference|ref\.?|id|number|no\.?)\s*[:#]?\s*([A-Za-z0-9][A-Za-z0-9_\-]*)/i);
    return m ? m[1] : '';
  }
  function messages() {
    return many('message', document, function () {
      return arr(main().querySelectorAll('[role=alert],.error,.notice,.oops,.alert,.warning,.field-error'));
    }).map(txt).filter(Boolean);
  }
  function cart() {
    var cl = one('checkout_button', document, checkoutHeur);
    return {
      lines: lines(), subtotal: amountFor('subtotal'), discount: amountFor('discount'), shipping: amountFor('shipping'),
      total: amountFor('total'), reference: reference(), messages: messages(), can_checkout: !!cl && !cl.disabled,
    };
  }
  function checkoutHeur(s) {
    return byText(s, 'a,button,input[type=submit]', /check ?out|proceed to (checkout|payment)|go to payment|^pay$/i);
  }
  function order() {
    var idEl = one('order_id', document, null);
    var m = txt(main()).match(/\border\s*(?:number|no\.?|id|#)\s*[:#]?\s*([A-Za-z0-9][A-Za-z0-9_\-]*)/i);
    var tot = one('order_total', document, function () {
      var l = byText(main(), 'p,dt,td,span,div', /^(total charged|amount charged|total paid|charged)\b/i);
      return l ? (l.tagName === 'DT' ? l.nextElementSibling : priceEls(l)[0]) : null;
    });
    var st = one('order_status', document, null);
    return { id: idEl ? txt(idEl) : (m ? m[1] : ''), total: tot ? moneyIn(txt(tot)) : '', status: st ? txt(st) : '', messages: messages() };
  }

  // ---- info (delivery and offers) and catalog vocabulary ----
  function info() {
    var t = txt(main());
    var out = { fee: '', free_over: '', eta_days: 0, coupons: [] };
    var fe = one('shipping_fee', document, null), fo = one('free_over', document, null), eta = one('eta', document, null);
    var m;
    out.fee = fe ? moneyIn(txt(fe)) : ((m = t.match(new RegExp('(?:shipping|delivery)(?:\\s*fee|\\s*costs?|\\s*charge)?\\s*(?:is|of|:)?\\s*(' + MONEY.source + ')', 'i'))) ? m[1] : '');
    out.free_over = fo ? moneyIn(txt(fo)) : ((m = t.match(new RegExp('free (?:delivery|shipping)?\\s*(?:for|on) orders (?:over|from|of|above)\\s*(' + MONEY.source + ')', 'i'))) ? m[1] : '');
    var et = eta ? txt(eta) : t;
    out.eta_days = (m = et.match(/(\d+)\s*(?:business\s*)?day/i)) ? +m[1] : 0;
    many('offer', document, function () { return arr(main().querySelectorAll('tr,li')); }).forEach(function (row) {
      var rt = txt(row), c = rt.match(/\b([A-Z][A-Z0-9]{2,})\b/g), amts = rt.match(MONEY_G);
      c = (c || []).filter(function (x) { return !/^(CNY|USD|EUR|GBP|HKD|SGD|JPY|KRW)$/.test(x); });
      if (c.length && amts && amts.length >= 2) out.coupons.push({ code: c[0], off: amts[0], min: amts[1] });
    });
    return out;
  }
  function vocabulary() {
    var out = { categories: [], brands: [], attributes: {}, category_urls: {} };
    arr(document.querySelectorAll('a[href]')).forEach(function (a) {
      var u;
      try { u = new URL(a.href); } catch (e) { return; }
      u.searchParams.forEach(function (v, k) {
        if (!v) return;
        if (k === 'category' && !out.category_urls[v]) out.category_urls[v] = a.href;
        if (k === 'category' && out.categories.indexOf(v) < 0) out.categories.push(v);
        else if (k === 'brand' && out.brands.indexOf(v) < 0) out.brands.push(v);
        else if (k.indexOf('attr.') === 0) {
          var key = k.slice(5);
          out.attributes[key] = out.attributes[key] || [];
          if (out.attributes[key].indexOf(v) < 0) out.attributes[key].push(v);
        }
      });
    });
    return out;
  }

  // ---- elements to act on ----
  var FIELDS = {
    field_name: ['name', /full name|^name|recipient/i],
    field_line1: ['address-line1', /address( line)? ?1|street/i],
    field_line2: ['address-line2', /address( line)? ?2|apartment|floor|suite/i],
    field_city: ['address-level2', /city|town/i],
    field_region: ['address-level1', /region|state|province|county/i],
    field_postal: ['postal-code', /post(al)? ?code|zip/i],
    field_country: ['country', /country/i],
    field_phone: ['tel', /phone|telephone|mobile/i],
    field_email: ['email', /e-?mail/i],
    field_token: ['', /token|credential/i],
  };
  function find(role) {
    var m = main();
    var sku = '';
    var i = role.indexOf(':');
    if (i > 0) { sku = role.slice(i + 1); role = role.slice(0, i); }
    if (sku) {
      var row = lineRows().filter(function (r) { return skuIn(one('line_sku', r, function () { return r; })) === sku; })[0];
      if (!row) return null;
      if (role === 'line_qty') return one('line_qty', row, function (s) { return s.querySelector('input[type=number],input[name*=qty i]'); });
      if (role === 'line_addon') return one('line_addon', row, function (s) { return s.querySelector('input[type=checkbox]'); });
      if (role === 'line_remove') return one('line_remove', row, function (s) { return byText(s, 'button,a,input[type=submit]', /remove|delete/i); });
      return null;
    }
    if (FIELDS[role]) {
      return one(role, document, function () {
        var f = FIELDS[role];
        var ins = arr(document.querySelectorAll('form input:not([type=hidden]),form select,form textarea'));
        return (f[0] && ins.filter(function (x) { return x.getAttribute('autocomplete') === f[0]; })[0]) ||
          ins.filter(function (x) { return f[1].test(labelOf(x)); })[0];
      });
    }
    switch (role) {
      case 'search_box':
        return one(role, document, function (s) {
          return s.querySelector('input[type=search]') || s.querySelector('[role=search] input:not([type=hidden])') ||
            arr(s.querySelectorAll('input:not([type=hidden]):not([type=submit])')).filter(function (x) {
              return /search|find|query|looking/i.test(labelOf(x) + ' ' + (x.getAttribute('placeholder') || ''));
            })[0];
        });
      case 'search_submit':
        return one(role, document, function () {
          var box = find('search_box'), f = box && box.form;
          return f ? f.querySelector('button,input[type=submit]') : null;
        });
      case 'quantity':
        return one(role, m, function () {
          var b = addButton(m), f = b && b.closest('form');
          return f && (f.querySelector('input[type=number]') || f.querySelector('input[name*=qty i],input[name*=quant i]'));
        });
      case 'add_to_cart': return addButton(m);
      case 'cart_link':
        return one(role, document, function (s) { return byText(s, 'a', /\b(cart|basket|bag|trolley)\b/i); });
      case 'cart_update':
        return one(role, document, function (s) { return byText(s, 'button,input[type=submit]', /update|recalculate|refresh/i); });
      case 'cart_empty':
        return one(role, document, function (s) { return byText(s, 'button,input[type=submit]', /empty|clear/i); });
      case 'coupon_box':
        return one(role, document, function (s) {
          return arr(s.querySelectorAll('input:not([type=hidden])')).filter(function (x) { return /promo|coupon|voucher|discount code/i.test(labelOf(x)); })[0];
        });
      case 'checkout_button': return one(role, document, checkoutHeur);
      case 'place_order':
        return one(role, document, function () {
          var tok = find('field_token'), f = tok && tok.form;
          return f ? (byText(f, 'button,input[type=submit]', /place order|pay|confirm|buy|submit/i) || f.querySelector('button,input[type=submit]')) : null;
        });
      case 'refund_amount':
        return one(role, document, function (s) {
          return arr(s.querySelectorAll('form input:not([type=hidden])')).filter(function (x) { return /refund/i.test(labelOf(x)); })[0];
        });
      case 'refund_submit':
        return one(role, document, function (s) { return byText(s, 'button,input[type=submit]', /refund|return/i); });
    }
    return null;
  }

  var out;
  switch (op) {
    case 'results': out = { results: results() }; break;
    case 'product': out = product(); break;
    case 'choose': out = choose(arg); break;
    case 'cart': out = cart(); break;
    case 'order': out = order(); break;
    case 'info': out = info(); break;
    case 'vocabulary': out = vocabulary(); break;
    case 'messages': out = { messages: messages() }; break;
    case 'tag': {
      var el = find(arg);
      if (!el) { out = { found: false }; break; }
      tag(el, 'target');
      out = { found: true, tag: el.tagName.toLowerCase(), type: el.type || '', disabled: !!el.disabled, checked: !!el.checked, value: el.value || '' };
      break;
    }
    default: out = { error: 'unknown op ' + op };
  }
  if (missing && !out.error) out.missing = missing;
  return JSON.stringify(out);
})
