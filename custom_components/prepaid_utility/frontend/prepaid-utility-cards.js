var ve=Object.defineProperty;var $e=Object.getOwnPropertyDescriptor;var p=(r,t,e,s)=>{for(var i=s>1?void 0:s?$e(t,e):t,n=r.length-1,o;n>=0;n--)(o=r[n])&&(i=(s?o(t,e,i):o(i))||i);return s&&i&&ve(t,e,i),i};var et=globalThis,st=et.ShadowRoot&&(et.ShadyCSS===void 0||et.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,yt=Symbol(),kt=new WeakMap,W=class{constructor(t,e,s){if(this._$cssResult$=!0,s!==yt)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=t,this.t=e}get styleSheet(){let t=this.o,e=this.t;if(st&&t===void 0){let s=e!==void 0&&e.length===1;s&&(t=kt.get(e)),t===void 0&&((this.o=t=new CSSStyleSheet).replaceSync(this.cssText),s&&kt.set(e,t))}return t}toString(){return this.cssText}},Rt=r=>new W(typeof r=="string"?r:r+"",void 0,yt),b=(r,...t)=>{let e=r.length===1?r[0]:t.reduce((s,i,n)=>s+(o=>{if(o._$cssResult$===!0)return o.cssText;if(typeof o=="number")return o;throw Error("Value passed to 'css' function must be a 'css' function result: "+o+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(i)+r[n+1],r[0]);return new W(e,r,yt)},Tt=(r,t)=>{if(st)r.adoptedStyleSheets=t.map(e=>e instanceof CSSStyleSheet?e:e.styleSheet);else for(let e of t){let s=document.createElement("style"),i=et.litNonce;i!==void 0&&s.setAttribute("nonce",i),s.textContent=e.cssText,r.appendChild(s)}},vt=st?r=>r:r=>r instanceof CSSStyleSheet?(t=>{let e="";for(let s of t.cssRules)e+=s.cssText;return Rt(e)})(r):r;var{is:_e,defineProperty:be,getOwnPropertyDescriptor:xe,getOwnPropertyNames:we,getOwnPropertySymbols:Ae,getPrototypeOf:Ee}=Object,rt=globalThis,Ht=rt.trustedTypes,Se=Ht?Ht.emptyScript:"",Ce=rt.reactiveElementPolyfillSupport,Y=(r,t)=>r,Z={toAttribute(r,t){switch(t){case Boolean:r=r?Se:null;break;case Object:case Array:r=r==null?r:JSON.stringify(r)}return r},fromAttribute(r,t){let e=r;switch(t){case Boolean:e=r!==null;break;case Number:e=r===null?null:Number(r);break;case Object:case Array:try{e=JSON.parse(r)}catch{e=null}}return e}},it=(r,t)=>!_e(r,t),Lt={attribute:!0,type:String,converter:Z,reflect:!1,useDefault:!1,hasChanged:it};Symbol.metadata??=Symbol("metadata"),rt.litPropertyMetadata??=new WeakMap;var C=class extends HTMLElement{static addInitializer(t){this._$Ei(),(this.l??=[]).push(t)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(t,e=Lt){if(e.state&&(e.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(t)&&((e=Object.create(e)).wrapped=!0),this.elementProperties.set(t,e),!e.noAccessor){let s=Symbol(),i=this.getPropertyDescriptor(t,s,e);i!==void 0&&be(this.prototype,t,i)}}static getPropertyDescriptor(t,e,s){let{get:i,set:n}=xe(this.prototype,t)??{get(){return this[e]},set(o){this[e]=o}};return{get:i,set(o){let l=i?.call(this);n?.call(this,o),this.requestUpdate(t,l,s)},configurable:!0,enumerable:!0}}static getPropertyOptions(t){return this.elementProperties.get(t)??Lt}static _$Ei(){if(this.hasOwnProperty(Y("elementProperties")))return;let t=Ee(this);t.finalize(),t.l!==void 0&&(this.l=[...t.l]),this.elementProperties=new Map(t.elementProperties)}static finalize(){if(this.hasOwnProperty(Y("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(Y("properties"))){let e=this.properties,s=[...we(e),...Ae(e)];for(let i of s)this.createProperty(i,e[i])}let t=this[Symbol.metadata];if(t!==null){let e=litPropertyMetadata.get(t);if(e!==void 0)for(let[s,i]of e)this.elementProperties.set(s,i)}this._$Eh=new Map;for(let[e,s]of this.elementProperties){let i=this._$Eu(e,s);i!==void 0&&this._$Eh.set(i,e)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(t){let e=[];if(Array.isArray(t)){let s=new Set(t.flat(1/0).reverse());for(let i of s)e.unshift(vt(i))}else t!==void 0&&e.push(vt(t));return e}static _$Eu(t,e){let s=e.attribute;return s===!1?void 0:typeof s=="string"?s:typeof t=="string"?t.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(t=>this.enableUpdating=t),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(t=>t(this))}addController(t){(this._$EO??=new Set).add(t),this.renderRoot!==void 0&&this.isConnected&&t.hostConnected?.()}removeController(t){this._$EO?.delete(t)}_$E_(){let t=new Map,e=this.constructor.elementProperties;for(let s of e.keys())this.hasOwnProperty(s)&&(t.set(s,this[s]),delete this[s]);t.size>0&&(this._$Ep=t)}createRenderRoot(){let t=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return Tt(t,this.constructor.elementStyles),t}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(t=>t.hostConnected?.())}enableUpdating(t){}disconnectedCallback(){this._$EO?.forEach(t=>t.hostDisconnected?.())}attributeChangedCallback(t,e,s){this._$AK(t,s)}_$ET(t,e){let s=this.constructor.elementProperties.get(t),i=this.constructor._$Eu(t,s);if(i!==void 0&&s.reflect===!0){let n=(s.converter?.toAttribute!==void 0?s.converter:Z).toAttribute(e,s.type);this._$Em=t,n==null?this.removeAttribute(i):this.setAttribute(i,n),this._$Em=null}}_$AK(t,e){let s=this.constructor,i=s._$Eh.get(t);if(i!==void 0&&this._$Em!==i){let n=s.getPropertyOptions(i),o=typeof n.converter=="function"?{fromAttribute:n.converter}:n.converter?.fromAttribute!==void 0?n.converter:Z;this._$Em=i;let l=o.fromAttribute(e,n.type);this[i]=l??this._$Ej?.get(i)??l,this._$Em=null}}requestUpdate(t,e,s,i=!1,n){if(t!==void 0){let o=this.constructor;if(i===!1&&(n=this[t]),s??=o.getPropertyOptions(t),!((s.hasChanged??it)(n,e)||s.useDefault&&s.reflect&&n===this._$Ej?.get(t)&&!this.hasAttribute(o._$Eu(t,s))))return;this.C(t,e,s)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(t,e,{useDefault:s,reflect:i,wrapped:n},o){s&&!(this._$Ej??=new Map).has(t)&&(this._$Ej.set(t,o??e??this[t]),n!==!0||o!==void 0)||(this._$AL.has(t)||(this.hasUpdated||s||(e=void 0),this._$AL.set(t,e)),i===!0&&this._$Em!==t&&(this._$Eq??=new Set).add(t))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(e){Promise.reject(e)}let t=this.scheduleUpdate();return t!=null&&await t,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[i,n]of this._$Ep)this[i]=n;this._$Ep=void 0}let s=this.constructor.elementProperties;if(s.size>0)for(let[i,n]of s){let{wrapped:o}=n,l=this[i];o!==!0||this._$AL.has(i)||l===void 0||this.C(i,void 0,n,l)}}let t=!1,e=this._$AL;try{t=this.shouldUpdate(e),t?(this.willUpdate(e),this._$EO?.forEach(s=>s.hostUpdate?.()),this.update(e)):this._$EM()}catch(s){throw t=!1,this._$EM(),s}t&&this._$AE(e)}willUpdate(t){}_$AE(t){this._$EO?.forEach(e=>e.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(t)),this.updated(t)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(t){return!0}update(t){this._$Eq&&=this._$Eq.forEach(e=>this._$ET(e,this[e])),this._$EM()}updated(t){}firstUpdated(t){}};C.elementStyles=[],C.shadowRootOptions={mode:"open"},C[Y("elementProperties")]=new Map,C[Y("finalized")]=new Map,Ce?.({ReactiveElement:C}),(rt.reactiveElementVersions??=[]).push("2.1.2");var _t=globalThis,Mt=r=>r,nt=_t.trustedTypes,Nt=nt?nt.createPolicy("lit-html",{createHTML:r=>r}):void 0,bt="$lit$",k=`lit$${Math.random().toFixed(9).slice(2)}$`,xt="?"+k,ke=`<${xt}>`,O=document,J=()=>O.createComment(""),Q=r=>r===null||typeof r!="object"&&typeof r!="function",wt=Array.isArray,zt=r=>wt(r)||typeof r?.[Symbol.iterator]=="function",$t=`[ 	
\f\r]`,G=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,Ot=/-->/g,Ut=/>/g,M=RegExp(`>|${$t}(?:([^\\s"'>=/]+)(${$t}*=${$t}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),It=/'/g,Pt=/"/g,Dt=/^(?:script|style|textarea|title)$/i,At=r=>(t,...e)=>({_$litType$:r,strings:t,values:e}),c=At(1),Bt=At(2),Ye=At(3),R=Symbol.for("lit-noChange"),u=Symbol.for("lit-nothing"),jt=new WeakMap,N=O.createTreeWalker(O,129);function Ft(r,t){if(!wt(r)||!r.hasOwnProperty("raw"))throw Error("invalid template strings array");return Nt!==void 0?Nt.createHTML(t):t}var Kt=(r,t)=>{let e=r.length-1,s=[],i,n=t===2?"<svg>":t===3?"<math>":"",o=G;for(let l=0;l<e;l++){let a=r[l],m,y,h=-1,g=0;for(;g<a.length&&(o.lastIndex=g,y=o.exec(a),y!==null);)g=o.lastIndex,o===G?y[1]==="!--"?o=Ot:y[1]!==void 0?o=Ut:y[2]!==void 0?(Dt.test(y[2])&&(i=RegExp("</"+y[2],"g")),o=M):y[3]!==void 0&&(o=M):o===M?y[0]===">"?(o=i??G,h=-1):y[1]===void 0?h=-2:(h=o.lastIndex-y[2].length,m=y[1],o=y[3]===void 0?M:y[3]==='"'?Pt:It):o===Pt||o===It?o=M:o===Ot||o===Ut?o=G:(o=M,i=void 0);let d=o===M&&r[l+1].startsWith("/>")?" ":"";n+=o===G?a+ke:h>=0?(s.push(m),a.slice(0,h)+bt+a.slice(h)+k+d):a+k+(h===-2?l:d)}return[Ft(r,n+(r[e]||"<?>")+(t===2?"</svg>":t===3?"</math>":"")),s]},X=class r{constructor({strings:t,_$litType$:e},s){let i;this.parts=[];let n=0,o=0,l=t.length-1,a=this.parts,[m,y]=Kt(t,e);if(this.el=r.createElement(m,s),N.currentNode=this.el.content,e===2||e===3){let h=this.el.content.firstChild;h.replaceWith(...h.childNodes)}for(;(i=N.nextNode())!==null&&a.length<l;){if(i.nodeType===1){if(i.hasAttributes())for(let h of i.getAttributeNames())if(h.endsWith(bt)){let g=y[o++],d=i.getAttribute(h).split(k),v=/([.?@])?(.*)/.exec(g);a.push({type:1,index:n,name:v[2],strings:d,ctor:v[1]==="."?at:v[1]==="?"?lt:v[1]==="@"?ct:I}),i.removeAttribute(h)}else h.startsWith(k)&&(a.push({type:6,index:n}),i.removeAttribute(h));if(Dt.test(i.tagName)){let h=i.textContent.split(k),g=h.length-1;if(g>0){i.textContent=nt?nt.emptyScript:"";for(let d=0;d<g;d++)i.append(h[d],J()),N.nextNode(),a.push({type:2,index:++n});i.append(h[g],J())}}}else if(i.nodeType===8)if(i.data===xt)a.push({type:2,index:n});else{let h=-1;for(;(h=i.data.indexOf(k,h+1))!==-1;)a.push({type:7,index:n}),h+=k.length-1}n++}}static createElement(t,e){let s=O.createElement("template");return s.innerHTML=t,s}};function U(r,t,e=r,s){if(t===R)return t;let i=s!==void 0?e._$Co?.[s]:e._$Cl,n=Q(t)?void 0:t._$litDirective$;return i?.constructor!==n&&(i?._$AO?.(!1),n===void 0?i=void 0:(i=new n(r),i._$AT(r,e,s)),s!==void 0?(e._$Co??=[])[s]=i:e._$Cl=i),i!==void 0&&(t=U(r,i._$AS(r,t.values),i,s)),t}var ot=class{constructor(t,e){this._$AV=[],this._$AN=void 0,this._$AD=t,this._$AM=e}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(t){let{el:{content:e},parts:s}=this._$AD,i=(t?.creationScope??O).importNode(e,!0);N.currentNode=i;let n=N.nextNode(),o=0,l=0,a=s[0];for(;a!==void 0;){if(o===a.index){let m;a.type===2?m=new B(n,n.nextSibling,this,t):a.type===1?m=new a.ctor(n,a.name,a.strings,this,t):a.type===6&&(m=new dt(n,this,t)),this._$AV.push(m),a=s[++l]}o!==a?.index&&(n=N.nextNode(),o++)}return N.currentNode=O,i}p(t){let e=0;for(let s of this._$AV)s!==void 0&&(s.strings!==void 0?(s._$AI(t,s,e),e+=s.strings.length-2):s._$AI(t[e])),e++}},B=class r{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(t,e,s,i){this.type=2,this._$AH=u,this._$AN=void 0,this._$AA=t,this._$AB=e,this._$AM=s,this.options=i,this._$Cv=i?.isConnected??!0}get parentNode(){let t=this._$AA.parentNode,e=this._$AM;return e!==void 0&&t?.nodeType===11&&(t=e.parentNode),t}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(t,e=this){t=U(this,t,e),Q(t)?t===u||t==null||t===""?(this._$AH!==u&&this._$AR(),this._$AH=u):t!==this._$AH&&t!==R&&this._(t):t._$litType$!==void 0?this.$(t):t.nodeType!==void 0?this.T(t):zt(t)?this.k(t):this._(t)}O(t){return this._$AA.parentNode.insertBefore(t,this._$AB)}T(t){this._$AH!==t&&(this._$AR(),this._$AH=this.O(t))}_(t){this._$AH!==u&&Q(this._$AH)?this._$AA.nextSibling.data=t:this.T(O.createTextNode(t)),this._$AH=t}$(t){let{values:e,_$litType$:s}=t,i=typeof s=="number"?this._$AC(t):(s.el===void 0&&(s.el=X.createElement(Ft(s.h,s.h[0]),this.options)),s);if(this._$AH?._$AD===i)this._$AH.p(e);else{let n=new ot(i,this),o=n.u(this.options);n.p(e),this.T(o),this._$AH=n}}_$AC(t){let e=jt.get(t.strings);return e===void 0&&jt.set(t.strings,e=new X(t)),e}k(t){wt(this._$AH)||(this._$AH=[],this._$AR());let e=this._$AH,s,i=0;for(let n of t)i===e.length?e.push(s=new r(this.O(J()),this.O(J()),this,this.options)):s=e[i],s._$AI(n),i++;i<e.length&&(this._$AR(s&&s._$AB.nextSibling,i),e.length=i)}_$AR(t=this._$AA.nextSibling,e){for(this._$AP?.(!1,!0,e);t!==this._$AB;){let s=Mt(t).nextSibling;Mt(t).remove(),t=s}}setConnected(t){this._$AM===void 0&&(this._$Cv=t,this._$AP?.(t))}},I=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(t,e,s,i,n){this.type=1,this._$AH=u,this._$AN=void 0,this.element=t,this.name=e,this._$AM=i,this.options=n,s.length>2||s[0]!==""||s[1]!==""?(this._$AH=Array(s.length-1).fill(new String),this.strings=s):this._$AH=u}_$AI(t,e=this,s,i){let n=this.strings,o=!1;if(n===void 0)t=U(this,t,e,0),o=!Q(t)||t!==this._$AH&&t!==R,o&&(this._$AH=t);else{let l=t,a,m;for(t=n[0],a=0;a<n.length-1;a++)m=U(this,l[s+a],e,a),m===R&&(m=this._$AH[a]),o||=!Q(m)||m!==this._$AH[a],m===u?t=u:t!==u&&(t+=(m??"")+n[a+1]),this._$AH[a]=m}o&&!i&&this.j(t)}j(t){t===u?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,t??"")}},at=class extends I{constructor(){super(...arguments),this.type=3}j(t){this.element[this.name]=t===u?void 0:t}},lt=class extends I{constructor(){super(...arguments),this.type=4}j(t){this.element.toggleAttribute(this.name,!!t&&t!==u)}},ct=class extends I{constructor(t,e,s,i,n){super(t,e,s,i,n),this.type=5}_$AI(t,e=this){if((t=U(this,t,e,0)??u)===R)return;let s=this._$AH,i=t===u&&s!==u||t.capture!==s.capture||t.once!==s.once||t.passive!==s.passive,n=t!==u&&(s===u||i);i&&this.element.removeEventListener(this.name,this,s),n&&this.element.addEventListener(this.name,this,t),this._$AH=t}handleEvent(t){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,t):this._$AH.handleEvent(t)}},dt=class{constructor(t,e,s){this.element=t,this.type=6,this._$AN=void 0,this._$AM=e,this.options=s}get _$AU(){return this._$AM._$AU}_$AI(t){U(this,t)}},qt={M:bt,P:k,A:xt,C:1,L:Kt,R:ot,D:zt,V:U,I:B,H:I,N:lt,U:ct,B:at,F:dt},Re=_t.litHtmlPolyfillSupport;Re?.(X,B),(_t.litHtmlVersions??=[]).push("3.3.3");var Vt=(r,t,e)=>{let s=e?.renderBefore??t,i=s._$litPart$;if(i===void 0){let n=e?.renderBefore??null;s._$litPart$=i=new B(t.insertBefore(J(),n),n,void 0,e??{})}return i._$AI(r),i};var Et=globalThis,w=class extends C{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let t=super.createRenderRoot();return this.renderOptions.renderBefore??=t.firstChild,t}update(t){let e=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(t),this._$Do=Vt(e,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return R}};w._$litElement$=!0,w.finalized=!0,Et.litElementHydrateSupport?.({LitElement:w});var Te=Et.litElementPolyfillSupport;Te?.({LitElement:w});(Et.litElementVersions??=[]).push("4.2.2");var He={attribute:!0,type:String,converter:Z,reflect:!1,hasChanged:it},Le=(r=He,t,e)=>{let{kind:s,metadata:i}=e,n=globalThis.litPropertyMetadata.get(i);if(n===void 0&&globalThis.litPropertyMetadata.set(i,n=new Map),s==="setter"&&((r=Object.create(r)).wrapped=!0),n.set(e.name,r),s==="accessor"){let{name:o}=e;return{set(l){let a=t.get.call(this);t.set.call(this,l),this.requestUpdate(o,a,r,!0,l)},init(l){return l!==void 0&&this.C(o,void 0,r,l),l}}}if(s==="setter"){let{name:o}=e;return function(l){let a=this[o];t.call(this,l),this.requestUpdate(o,a,r,!0,l)}}throw Error("Unsupported decorator location: "+s)};function _(r){return(t,e)=>typeof e=="object"?Le(r,t,e):((s,i,n)=>{let o=i.hasOwnProperty(n);return i.constructor.createProperty(n,s),o?Object.getOwnPropertyDescriptor(i,n):void 0})(r,t,e)}function f(r){return _({...r,state:!0,attribute:!1})}function Yt(r,t){switch(r?.number_format){case"comma_decimal":return"en-US";case"decimal_comma":return"de-DE";case"space_comma":return"fr-FR";case"system":return;default:return r?.language||t||void 0}}var Wt=new Map;function Zt(r,t){let e=`${r??""}|${JSON.stringify(t)}`,s=Wt.get(e);return s||(s=new Intl.NumberFormat(r,t),Wt.set(e,s)),s}function Gt(r){return r?.number_format!=="none"}function Jt(r,t,e,s="en"){return r==null||r===""?"\u2014":Zt(Yt(e,s),{style:"currency",currency:t||"EUR",useGrouping:Gt(e)}).format(r)}function Qt(r,t,e="en",s=2){return r==null||r===""?"\u2014":Zt(Yt(t,e),{minimumFractionDigits:0,maximumFractionDigits:s,useGrouping:Gt(t)}).format(r)}var P={electricity:"kWh",water:"m\xB3",gas:"m\xB3"},Me=["normal","low_1","low_2","low_3","arrears","cut_off"];function tt(r){switch(r){case"normal":return"var(--success-color, #43a047)";case"low_1":return"var(--warning-color, #ffa000)";case"low_2":return"#f57c00";case"low_3":return"#e64a19";case"arrears":case"cut_off":return"var(--error-color, #db4437)";default:return"var(--secondary-text-color, #727272)"}}function St(r){return r?Me.indexOf(r):-1}function Xt(r,t,e="room"){let s=(t.text??"").trim().toLowerCase(),i=r.filter(l=>(!t.building||l.building===t.building)&&(!t.floor||l.floor===t.floor)&&(!t.area||l.area===t.area)&&(!t.onlyAlarms||St(l.level)>0)&&(!s||`${l.name} ${l.room} ${l.area??""}`.toLowerCase().includes(s))),n=new Intl.Collator(void 0,{numeric:!0,sensitivity:"base"}),o=(l,a)=>n.compare(l.building,a.building)||n.compare(l.room,a.room)||n.compare(l.name,a.name);return e==="balance"?i.sort((l,a)=>{let m=l.balance_minor??Number.POSITIVE_INFINITY,y=a.balance_minor??Number.POSITIVE_INFINITY;return m-y||o(l,a)}):e==="name"?i.sort((l,a)=>n.compare(l.name,a.name)||o(l,a)):i.sort(o),i}function F(r,t){let e=new Set;for(let s of r){let i=s[t];i&&e.add(i)}return[...e].sort(new Intl.Collator(void 0,{numeric:!0}).compare)}function te(r,t,e){let s=o=>{let l=t==="cost"?o.cost:o.usage[e]??"0";return[Number(l),l]},i=r.map(o=>({month:o.month,t:s(o.this_year),l:s(o.last_year)})),n=Math.max(0,...i.flatMap(o=>[o.t[0],o.l[0]]));return i.map(o=>({month:o.month,thisYear:o.t[0],lastYear:o.l[0],thisHeight:n>0?o.t[0]/n:0,lastHeight:n>0?o.l[0]/n:0,thisLabel:o.t[1],lastLabel:o.l[1]}))}function ee(r){return r==null||!Number.isFinite(r)?null:r<1?"<1":String(Math.floor(r))}function se(r,t,e=Math.random){let s=t.toISOString().replace(/[-:TZ.]/g,"").slice(0,14),i=Math.floor(e()*36**6).toString(36).padStart(6,"0");return`${r}-${s}-${i}`}function re(r,t){let e=r.trim();return(t>0?new RegExp(`^\\d{1,7}(\\.\\d{1,${t}})?$`):/^\d{1,7}$/).test(e)&&Number(e)>0}function ut(r,t){return new Intl.DateTimeFormat(t,{month:"short",timeZone:"UTC"}).format(new Date(Date.UTC(2e3,r-1,1)))}function ie(r,t,e){return new Intl.DateTimeFormat(t,{dateStyle:"short",timeStyle:"short",timeZone:e}).format(new Date(r))}function ne(r,t){return r?.time_zone==="local"?void 0:t||void 0}function oe(...r){let t=[];for(let e of r)e&&!t.includes(e)&&t.push(e);return t.join(" \xB7 ")}function ae(r){return r.length===8?`${r.slice(0,4)}-${r.slice(4,6)}-${r.slice(6)}`:r.length===6?`${r.slice(0,4)}-${r.slice(4)}`:r}var Ct={rooms_title:"Rooms",account_title:"Account",reports_title:"Monthly report",finance_title:"Finance",balance:"Balance",today:"Today",this_month:"This month",usage:"Usage",cost:"Cost",days_left:"About {days} days left",days_left_label:"Days left",online:"Online",offline:"Offline",supply_on:"Supply on",supply_off:"Supply off",supply_unknown:"Supply unknown",supply_none:"No switch",pending:"switching\u2026",level_normal:"Normal",level_low_1:"Low balance",level_low_2:"Very low balance",level_low_3:"Last warning: top up now",level_arrears:"In arrears",level_cut_off:"Supply cut off",banner_low:"Balance is low: please top up.",banner_cut:"Supply is cut off until the account is topped up.",search:"Search",all:"All",building:"Building",floor:"Floor",area:"Area",sort:"Sort",sort_room:"Room",sort_balance:"Balance",sort_name:"Name",only_alarms:"Only alarms",rooms_count:"{shown} of {total} rooms",no_rooms:"No accounts to show.",recent:"Recent entries",no_entries:"No entries yet.",recharge:"Recharge",refund:"Refund",amount:"Amount",method:"Method",method_cash:"Cash",method_bank_transfer:"Bank transfer",method_online:"Online",method_other:"Other",reference:"Reference",cancel:"Cancel",confirm:"Confirm",invalid_amount:"Enter a positive amount.",done:"Done: new balance {balance}",this_year:"{year}",last_year:"{year}",electricity:"Electricity",water:"Water",kind:"Utility",metric:"Show",total:"Total",income:"Income",refunds:"Refunds",debtors:"Accounts in debt",no_debtors:"No account is in debt.",movements:"Recharges and refunds",granularity:"Per",granularity_day:"Day",granularity_month:"Month",granularity_year:"Year",admin_only:"Only administrators can see finance figures.",not_found:"Account not found or not shared with you.",choose_account:"Choose an account in the card's settings.",error:"Could not load: {error}",account:"Account",title:"Title",period:"Period",kind_recharge:"Recharge",kind_refund:"Refund",kind_adjustment:"Adjustment",kind_reversal:"Reversal",kind_fee:"Fee",kind_apportion:"Shared area",kind_settlement:"Settlement",kind_bill_payment:"Bill payment",average_daily:"Average per day",tou:"Time of use",open:"Open",close:"Close"},Ne={rooms_title:"\u623F\u95F4",account_title:"\u8D26\u6237",reports_title:"\u6708\u5EA6\u62A5\u8868",finance_title:"\u8D22\u52A1",balance:"\u4F59\u989D",today:"\u4ECA\u65E5",this_month:"\u672C\u6708",usage:"\u7528\u91CF",cost:"\u8D39\u7528",days_left:"\u7EA6\u53EF\u7528 {days} \u5929",days_left_label:"\u53EF\u7528\u5929\u6570",online:"\u5728\u7EBF",offline:"\u79BB\u7EBF",supply_on:"\u4F9B\u7535/\u4F9B\u6C34\u4E2D",supply_off:"\u5DF2\u65AD\u5F00",supply_unknown:"\u72B6\u6001\u672A\u77E5",supply_none:"\u65E0\u5F00\u5173",pending:"\u5207\u6362\u4E2D\u2026",level_normal:"\u6B63\u5E38",level_low_1:"\u4F59\u989D\u504F\u4F4E",level_low_2:"\u4F59\u989D\u5F88\u4F4E",level_low_3:"\u6700\u540E\u63D0\u9192\uFF1A\u8BF7\u7ACB\u5373\u5145\u503C",level_arrears:"\u6B20\u8D39",level_cut_off:"\u5DF2\u65AD\u4F9B",banner_low:"\u4F59\u989D\u4E0D\u8DB3\uFF0C\u8BF7\u5C3D\u5FEB\u5145\u503C\u3002",banner_cut:"\u5DF2\u65AD\u4F9B\uFF0C\u5145\u503C\u540E\u81EA\u52A8\u6062\u590D\u3002",search:"\u641C\u7D22",all:"\u5168\u90E8",building:"\u697C\u680B",floor:"\u697C\u5C42",area:"\u533A\u57DF",sort:"\u6392\u5E8F",sort_room:"\u623F\u95F4",sort_balance:"\u4F59\u989D",sort_name:"\u59D3\u540D",only_alarms:"\u53EA\u770B\u544A\u8B66",rooms_count:"\u663E\u793A {shown} / {total} \u4E2A\u623F\u95F4",no_rooms:"\u6CA1\u6709\u53EF\u663E\u793A\u7684\u8D26\u6237\u3002",recent:"\u6700\u8FD1\u8BB0\u5F55",no_entries:"\u6682\u65E0\u8BB0\u5F55\u3002",recharge:"\u5145\u503C",refund:"\u9000\u6B3E",amount:"\u91D1\u989D",method:"\u65B9\u5F0F",method_cash:"\u73B0\u91D1",method_bank_transfer:"\u94F6\u884C\u8F6C\u8D26",method_online:"\u5728\u7EBF\u652F\u4ED8",method_other:"\u5176\u4ED6",reference:"\u5355\u53F7",cancel:"\u53D6\u6D88",confirm:"\u786E\u8BA4",invalid_amount:"\u8BF7\u8F93\u5165\u6B63\u6570\u91D1\u989D\u3002",done:"\u6210\u529F\uFF1A\u65B0\u4F59\u989D {balance}",this_year:"{year}\u5E74",last_year:"{year}\u5E74",electricity:"\u7535",water:"\u6C34",kind:"\u7C7B\u578B",metric:"\u663E\u793A",total:"\u5408\u8BA1",income:"\u6536\u5165",refunds:"\u9000\u6B3E",debtors:"\u6B20\u8D39\u8D26\u6237",no_debtors:"\u6CA1\u6709\u6B20\u8D39\u8D26\u6237\u3002",movements:"\u5145\u503C\u4E0E\u9000\u6B3E",granularity:"\u6309",granularity_day:"\u65E5",granularity_month:"\u6708",granularity_year:"\u5E74",admin_only:"\u53EA\u6709\u7BA1\u7406\u5458\u53EF\u4EE5\u67E5\u770B\u8D22\u52A1\u6570\u636E\u3002",not_found:"\u8D26\u6237\u4E0D\u5B58\u5728\u6216\u672A\u5411\u60A8\u5F00\u653E\u3002",choose_account:"\u8BF7\u5728\u5361\u7247\u8BBE\u7F6E\u4E2D\u9009\u62E9\u8D26\u6237\u3002",error:"\u52A0\u8F7D\u5931\u8D25\uFF1A{error}",account:"\u8D26\u6237",title:"\u6807\u9898",period:"\u671F\u95F4",kind_recharge:"\u5145\u503C",kind_refund:"\u9000\u6B3E",kind_adjustment:"\u8C03\u6574",kind_reversal:"\u51B2\u6B63",kind_fee:"\u8D39\u7528",kind_apportion:"\u516C\u644A",kind_settlement:"\u7ED3\u7B97",kind_bill_payment:"\u8D26\u5355\u7F34\u8D39",average_daily:"\u65E5\u5747",tou:"\u5206\u65F6\u7528\u91CF",open:"\u6253\u5F00",close:"\u5173\u95ED"};function Oe(r){return r?.toLowerCase().startsWith("zh")?Ne:Ct}function E(r,t,e={}){return(Oe(r)[t]??Ct[t]??t).replace(/\{(\w+)\}/g,(i,n)=>n in e?String(e[n]):`{${n}}`)}var Os=Object.keys(Ct);var pt="prepaid_utility",$=class extends w{constructor(){super(...arguments);this.loading=!1}setConfig(e){if(!e)throw new Error("Invalid configuration");this.config={...e},this.data=void 0,this.loadedFor=void 0,this.isConnected&&this.hass&&this.refresh()}connectedCallback(){super.connectedCallback();let e=Math.max(this.config?.refresh_seconds??30,5);this.timer=window.setInterval(()=>{this.refresh()},e*1e3),this.hass&&this.refresh()}disconnectedCallback(){super.disconnectedCallback(),window.clearInterval(this.timer)}willUpdate(e){e.has("hass")&&this.hass&&this.loadedFor!==this.hass.user?.id&&(this.loadedFor=this.hass.user?.id,this.refresh())}async refresh(){if(!(!this.hass||this.loading||!this.config)){this.loading=!0;try{this.data=await this.fetch(this.hass),this.error=void 0}catch(e){this.error=e?.code??String(e),e?.message&&(this.error=e.message),this.onError(e)}finally{this.loading=!1}}}onError(e){}get language(){return this.hass?.locale?.language??this.hass?.language??"en"}t(e,s){return E(this.language,e,s)}money(e,s){return Jt(e,s,this.hass?.locale,this.language)}qty(e,s=2){return Qt(e,this.hass?.locale,this.language,s)}time(e){return ie(e,this.language,ne(this.hass?.locale,this.hass?.config?.time_zone))}getCardSize(){return 3}};$.baseStyles=b`
    :host {
      display: block;
    }
    ha-card,
    .card {
      display: block;
      padding: 16px;
      box-sizing: border-box;
      background: var(--ha-card-background, var(--card-background-color, #fff));
      border-radius: var(--ha-card-border-radius, 12px);
      border: var(--ha-card-border-width, 1px) solid var(--ha-card-border-color, var(--divider-color, #e0e0e0));
      color: var(--primary-text-color, #212121);
      font-family: var(--ha-font-family-body, Roboto, "Noto Sans SC", sans-serif);
    }
    h2 {
      margin: 0 0 12px;
      font-size: 1.25rem;
      font-weight: 500;
    }
    .muted {
      color: var(--secondary-text-color, #727272);
    }
    .error {
      color: var(--error-color, #db4437);
    }
    select,
    input {
      font: inherit;
      padding: 6px 8px;
      border-radius: 6px;
      border: 1px solid var(--divider-color, #ccc);
      background: var(--card-background-color, #fff);
      color: inherit;
    }
    button {
      font: inherit;
      cursor: pointer;
      border-radius: 8px;
      padding: 8px 16px;
      border: none;
      background: var(--primary-color, #03a9f4);
      color: var(--text-primary-color, #fff);
    }
    button.secondary {
      background: transparent;
      color: var(--primary-color, #03a9f4);
      border: 1px solid var(--primary-color, #03a9f4);
    }
    table {
      width: 100%;
      border-collapse: collapse;
    }
    td,
    th {
      text-align: left;
      padding: 4px 6px;
      border-bottom: 1px solid var(--divider-color, #eee);
    }
    td.num,
    th.num {
      text-align: right;
      font-variant-numeric: tabular-nums;
    }
  `,p([_({attribute:!1})],$.prototype,"hass",2),p([f()],$.prototype,"config",2),p([f()],$.prototype,"data",2),p([f()],$.prototype,"error",2);async function le(r,t){let e=t?.translation_key;if(e&&r.loadBackendTranslation)try{let s=t.translation_domain??pt,n=(await r.loadBackendTranslation("exceptions",s))(`component.${s}.exceptions.${e}.message`,t.translation_placeholders??{});if(n)return n}catch{}return t?.message??String(t)}var Ue=["cash","bank_transfer","online","other"],x=class extends w{constructor(){super(...arguments);this.action="recharge";this.deviceId="";this.currency="";this.exponent=2;this.accountName="";this.amount="";this.method="cash";this.reference="";this.busy=!1}connectedCallback(){super.connectedCallback(),this.reference=se(this.action==="recharge"?"CARD":"REFUND",new Date)}t(e,s){return E(this.hass?.locale?.language??this.hass?.language,e,s)}close(e={}){this.dispatchEvent(new CustomEvent("closed",{detail:e}))}async submit(e){if(e.preventDefault(),!this.hass||this.busy)return;if(!re(this.amount,this.exponent)){this.error=this.t("invalid_amount");return}this.busy=!0,this.error=void 0;let s={device_id:this.deviceId,amount:this.amount.trim()};this.action==="recharge"?(s.order_id=this.reference,s.method=this.method):s.refund_id=this.reference;try{let i=await this.hass.callWS({type:"call_service",domain:pt,service:this.action,service_data:s,return_response:!0});this.close({balance:i?.response?.balance})}catch(i){this.error=await le(this.hass,i)}finally{this.busy=!1}}render(){return c`<div class="scrim" @click=${e=>e.target===e.currentTarget&&this.close()}>
      <form class="panel" role="dialog" aria-modal="true" @submit=${this.submit}>
        <h2>${this.t(this.action)} · ${this.accountName}</h2>
        <label
          >${this.t("amount")} (${this.currency})
          <input
            name="amount"
            inputmode="decimal"
            autocomplete="off"
            .value=${this.amount}
            @input=${e=>this.amount=e.target.value}
        /></label>
        ${this.action==="recharge"?c`<label
              >${this.t("method")}
              <select name="method" @change=${e=>this.method=e.target.value}>
                ${Ue.map(e=>c`<option value=${e} ?selected=${e===this.method}>${this.t(`method_${e}`)}</option>`)}
              </select></label
            >`:u}
        <label
          >${this.t("reference")}
          <input name="reference" .value=${this.reference} @input=${e=>this.reference=e.target.value}
        /></label>
        ${this.error?c`<div class="error" role="alert">${this.error}</div>`:u}
        <div class="buttons">
          <button type="button" class="secondary" @click=${()=>this.close()}>${this.t("cancel")}</button>
          <button type="submit" class="confirm" ?disabled=${this.busy}>${this.t("confirm")}</button>
        </div>
      </form>
    </div>`}};x.styles=[$.baseStyles,b`
      .scrim {
        position: fixed;
        inset: 0;
        z-index: 20;
        background: rgba(0, 0, 0, 0.45);
        display: flex;
        align-items: center;
        justify-content: center;
      }
      .panel {
        display: flex;
        flex-direction: column;
        gap: 12px;
        width: min(420px, 94vw);
        padding: 20px;
        border-radius: 12px;
        background: var(--card-background-color, #fff);
        color: var(--primary-text-color, #212121);
      }
      label {
        display: flex;
        flex-direction: column;
        gap: 4px;
      }
      .buttons {
        display: flex;
        justify-content: flex-end;
        gap: 8px;
      }
    `],p([_({attribute:!1})],x.prototype,"hass",2),p([_()],x.prototype,"action",2),p([_()],x.prototype,"deviceId",2),p([_()],x.prototype,"currency",2),p([_({type:Number})],x.prototype,"exponent",2),p([_()],x.prototype,"accountName",2),p([f()],x.prototype,"amount",2),p([f()],x.prototype,"method",2),p([f()],x.prototype,"reference",2),p([f()],x.prototype,"busy",2),p([f()],x.prototype,"error",2);var T=class extends ${static getConfigElement(){return document.createElement("prepaid-utility-card-editor")}static getStubConfig(){return{type:"custom:prepaid-utility-account-card"}}constructor(){super(),this.config={type:"custom:prepaid-utility-account-card"}}get account(){return this.accountId??this.config?.account_id}fetch(t){return this.account?t.callWS({type:"prepaid_utility/account",account_id:this.account}):Promise.reject({code:"no_account",message:this.t("choose_account")})}onError(t){t?.code==="not_found"&&(this.error=this.t("not_found"))}getCardSize(){return 7}figures(t,e,s){let i=Object.entries(e.usage);return c`<div class="figure">
      <div class="label muted">${t}</div>
      <div class="value">${this.money(e.cost,s)}</div>
      <div class="muted">
        ${i.length?i.map(([n,o])=>c`<span>${this.qty(o)} ${P[n]??""}</span> `):c`<span>0</span>`}
      </div>
    </div>`}banner(t){if(St(t.level)<=0)return u;let s=t.level==="cut_off"||t.supply==="off";return c`<div class="banner ${s?"cut":"low"}" role="alert" style="--level:${tt(t.level)}">
      <strong>${this.t(`level_${t.level}`)}</strong> — ${s?this.t("banner_cut"):this.t("banner_low")}
    </div>`}render(){let t=this.data;if(!t)return c`<div class="card">
        <h2>${this.config?.title??this.t("account_title")}</h2>
        ${this.error?c`<div class="error">${this.error}</div>`:c`<div class="muted">…</div>`}
      </div>`;let e=ee(t.days_left),s=this.hass?.user?.is_admin??!1,i=Object.entries(t.month_by_period).filter(([,n])=>Object.keys(n).length>1);return c`<div class="card">
      <div class="head">
        <div>
          <h2>${this.config?.title??t.name}</h2>
          <div class="muted">${oe(t.room,t.area,t.building)}</div>
        </div>
        <div class="state">
          <span class="pill ${t.online?"on":"off"}">${t.online?this.t("online"):this.t("offline")}</span>
          ${t.supply==="none"?u:c`<span class="pill supply ${t.supply}">${this.t(`supply_${t.supply}`)}${t.pending?` ${this.t("pending")}`:""}</span>`}
        </div>
      </div>
      ${this.banner(t)}
      <div class="big" style="color:${tt(t.level)}" data-balance=${t.balance}>
        ${this.money(t.balance,t.currency)}
      </div>
      <div class="sub muted">
        ${this.t("balance")}${e?c` · <span class="days">${this.t("days_left",{days:e})}</span>`:u}
        ${t.average_daily_cost!=="0"&&t.average_daily_cost!=="0.00"?c` · ${this.t("average_daily")} ${this.money(t.average_daily_cost,t.currency)}`:u}
      </div>
      <div class="figures">
        ${this.figures(this.t("today"),t.today,t.currency)} ${this.figures(this.t("this_month"),t.month,t.currency)}
      </div>
      ${i.length?c`<div class="tou">
            <div class="muted">${this.t("tou")}</div>
            ${i.map(([n,o])=>c`<div>
                  ${this.t(n)}:
                  ${Object.entries(o).map(([l,a])=>c`<span class="chip">${l} ${this.qty(a)} ${P[n]??""}</span>`)}
                </div>`)}
          </div>`:u}
      ${s&&t.device_id?c`<div class="actions">
            <button class="recharge" @click=${()=>this.action="recharge"}>${this.t("recharge")}</button>
            <button class="secondary refund" @click=${()=>this.action="refund"}>${this.t("refund")}</button>
          </div>`:u}
      ${this.notice?c`<div class="notice">${this.notice}</div>`:u}
      <h3>${this.t("recent")}</h3>
      ${t.movements.length?c`<table class="movements">
            ${t.movements.map(n=>c`<tr>
                  <td>${this.time(n.at)}</td>
                  <td>${this.t(`kind_${n.kind}`)||n.kind}</td>
                  <td class="num ${n.amount_minor<0?"neg":"pos"}">${this.money(n.amount,t.currency)}</td>
                </tr>`)}
          </table>`:c`<div class="muted">${this.t("no_entries")}</div>`}
      ${this.action&&t.device_id?c`<prepaid-utility-money-dialog
            .hass=${this.hass}
            .action=${this.action}
            .deviceId=${t.device_id}
            .currency=${t.currency}
            .exponent=${t.exponent}
            .accountName=${t.name}
            @closed=${n=>{this.action=void 0,n.detail?.balance&&(this.notice=this.t("done",{balance:this.money(n.detail.balance,t.currency)})),this.refresh()}}
          ></prepaid-utility-money-dialog>`:u}
    </div>`}};T.styles=[$.baseStyles,b`
      .head {
        display: flex;
        justify-content: space-between;
        gap: 12px;
        align-items: flex-start;
      }
      .head h2 {
        margin: 0;
      }
      .state {
        display: flex;
        gap: 6px;
        flex-wrap: wrap;
        justify-content: flex-end;
      }
      .pill {
        font-size: 0.8rem;
        padding: 2px 10px;
        border-radius: 999px;
        background: var(--secondary-background-color, #f0f0f0);
      }
      .pill.on {
        color: var(--success-color, #43a047);
      }
      .pill.off {
        color: var(--error-color, #db4437);
        font-weight: 600;
      }
      .banner {
        margin: 12px 0 0;
        padding: 10px 12px;
        border-radius: 8px;
        border-left: 6px solid var(--level);
        background: color-mix(in srgb, var(--level) 14%, transparent);
        font-size: 1.05rem;
      }
      .big {
        font-size: clamp(2.6rem, 9vw, 4.5rem);
        font-weight: 700;
        line-height: 1.1;
        margin-top: 16px;
        font-variant-numeric: tabular-nums;
      }
      .sub {
        font-size: 1.05rem;
        margin-bottom: 12px;
      }
      .days {
        color: var(--primary-text-color);
        font-weight: 600;
      }
      .figures {
        display: grid;
        grid-template-columns: 1fr 1fr;
        gap: 12px;
      }
      .figure {
        padding: 10px;
        border-radius: 8px;
        background: var(--secondary-background-color, #f5f5f5);
      }
      .figure .value {
        font-size: 1.6rem;
        font-weight: 600;
        font-variant-numeric: tabular-nums;
      }
      .tou {
        margin-top: 10px;
      }
      .chip {
        display: inline-block;
        margin: 2px 6px 2px 0;
        padding: 1px 8px;
        border-radius: 999px;
        background: var(--secondary-background-color, #f0f0f0);
        font-size: 0.85rem;
      }
      .actions {
        display: flex;
        gap: 8px;
        margin-top: 14px;
      }
      .notice {
        margin-top: 8px;
        color: var(--success-color, #43a047);
      }
      h3 {
        margin: 16px 0 6px;
        font-size: 1rem;
        font-weight: 500;
      }
      .neg {
        color: var(--error-color, #db4437);
      }
    `],p([_({attribute:!1})],T.prototype,"accountId",2),p([f()],T.prototype,"action",2),p([f()],T.prototype,"notice",2);var j=class extends w{constructor(){super(...arguments);this.onKey=e=>{e.key==="Escape"&&this.close()}}close(){this.dispatchEvent(new CustomEvent("closed",{bubbles:!1,composed:!1}))}connectedCallback(){super.connectedCallback(),window.addEventListener("keydown",this.onKey)}disconnectedCallback(){super.disconnectedCallback(),window.removeEventListener("keydown",this.onKey)}render(){return c`<div class="scrim" @click=${e=>e.target===e.currentTarget&&this.close()}>
      <div class="panel" role="dialog" aria-modal="true">
        <div class="bar">
          <button class="close" aria-label=${E(this.hass?.language,"close")} @click=${()=>this.close()}>✕</button>
        </div>
        <prepaid-utility-account-card
          .hass=${this.hass}
          .accountId=${this.accountId}
        ></prepaid-utility-account-card>
      </div>
    </div>`}};j.styles=b`
    .scrim {
      position: fixed;
      inset: 0;
      z-index: 10;
      background: rgba(0, 0, 0, 0.45);
      display: flex;
      align-items: center;
      justify-content: center;
    }
    .panel {
      width: min(560px, 96vw);
      max-height: 92vh;
      overflow: auto;
      border-radius: 12px;
      background: var(--card-background-color, #fff);
    }
    .bar {
      display: flex;
      justify-content: flex-end;
      padding: 4px 4px 0;
    }
    .close {
      border: none;
      background: transparent;
      font-size: 1.2rem;
      cursor: pointer;
      color: var(--secondary-text-color, #727272);
    }
  `,p([_({attribute:!1})],j.prototype,"hass",2),p([_({attribute:!1})],j.prototype,"accountId",2);var Ie={day:30,month:365,year:3*365},K=class extends ${constructor(){super(...arguments);this.granularity="day"}static getConfigElement(){return document.createElement("prepaid-utility-card-editor")}static getStubConfig(){return{type:"custom:prepaid-utility-finance-card",granularity:"day"}}setConfig(e){super.setConfig(e),this.granularity=e.granularity??"day"}fetch(e){if(!e.user?.is_admin)return Promise.reject({code:"unauthorized",message:this.t("admin_only")});let s=new Date,i=new Date(s.getTime()-Ie[this.granularity]*864e5),n=o=>`${o.getFullYear()}-${String(o.getMonth()+1).padStart(2,"0")}-${String(o.getDate()).padStart(2,"0")}`;return e.callWS({type:"prepaid_utility/finance",granularity:this.granularity,start:n(i),end:n(s)})}onError(e){e?.code==="unauthorized"&&(this.error=this.t("admin_only"))}getCardSize(){return 6}render(){let e=this.data,s=this.config?.title??this.t("finance_title");if(!this.hass?.user?.is_admin)return c`<div class="card"><h2>${s}</h2><div class="muted denied">${this.t("admin_only")}</div></div>`;if(!e)return c`<div class="card"><h2>${s}</h2>${this.error?c`<div class="error">${this.error}</div>`:c`<div class="muted">…</div>`}</div>`;let i=Math.max(0,...e.income.map(n=>Number(n.amount)));return c`<div class="card">
      <div class="head">
        <h2>${s}</h2>
        <label
          >${this.t("granularity")}
          <select
            class="granularity"
            @change=${n=>{this.granularity=n.target.value,this.data=void 0,this.refresh()}}
          >
            ${["day","month","year"].map(n=>c`<option value=${n} ?selected=${n===this.granularity}>${this.t(`granularity_${n}`)}</option>`)}
          </select></label
        >
      </div>
      <div class="totals">
        <div><span class="muted">${this.t("income")}</span><strong class="income-total">${this.money(e.income_total,e.currency)}</strong></div>
        <div><span class="muted">${this.t("refunds")}</span><strong>${this.money(e.refunds_total,e.currency)}</strong></div>
      </div>
      <table class="income">
        ${e.income.map(n=>c`<tr>
            <td>${ae(n.period)}</td>
            <td class="bar"><span style="width:${i>0?Number(n.amount)/i*100:0}%"></span></td>
            <td class="num">${this.money(n.amount,e.currency)}</td>
          </tr>`)}
      </table>
      <h3>${this.t("debtors")}</h3>
      ${e.debtors.length?c`<table class="debtors">
            ${e.debtors.map(n=>c`<tr><td>${n.room}</td><td>${n.name}</td><td class="num neg">${this.money(n.balance,e.currency)}</td></tr>`)}
          </table>`:c`<div class="muted">${this.t("no_debtors")}</div>`}
      <h3>${this.t("movements")}</h3>
      ${e.movements.length?c`<table class="movements">
            ${e.movements.slice(0,50).map(n=>c`<tr>
                <td>${this.time(n.at)}</td>
                <td>${n.name??n.account_id}</td>
                <td>${this.t(`kind_${n.kind}`)}</td>
                <td class="num ${n.amount_minor<0?"neg":""}">${this.money(n.amount,e.currency)}</td>
              </tr>`)}
          </table>`:c`<div class="muted">${this.t("no_entries")}</div>`}
      ${u}
    </div>`}};K.styles=[$.baseStyles,b`
      .head {
        display: flex;
        justify-content: space-between;
        align-items: center;
      }
      .totals {
        display: flex;
        gap: 24px;
        margin-bottom: 8px;
      }
      .totals div {
        display: flex;
        flex-direction: column;
      }
      .totals strong {
        font-size: 1.5rem;
      }
      td.bar {
        width: 50%;
      }
      td.bar span {
        display: block;
        height: 10px;
        border-radius: 3px;
        background: var(--primary-color, #03a9f4);
      }
      h3 {
        margin: 16px 0 6px;
        font-size: 1rem;
        font-weight: 500;
      }
      .neg {
        color: var(--error-color, #db4437);
      }
    `],p([f()],K.prototype,"granularity",2);var z=class extends ${constructor(){super(...arguments);this.kind="electricity";this.metric="usage"}static getConfigElement(){return document.createElement("prepaid-utility-card-editor")}static getStubConfig(){return{type:"custom:prepaid-utility-reports-card",kind:"electricity",metric:"usage"}}setConfig(e){super.setConfig(e),this.kind=e.kind??"electricity",this.metric=e.metric??"usage"}fetch(e){let s={type:"prepaid_utility/monthly"};return this.config.account_id&&(s.account_id=this.config.account_id),e.callWS(s)}getCardSize(){return 5}render(){let e=this.data,s=this.config?.title??this.t("reports_title");if(!e)return c`<div class="card"><h2>${s}</h2>${this.error?c`<div class="error">${this.error}</div>`:c`<div class="muted">…</div>`}</div>`;let i=te(e.months,this.metric,this.kind),n=this.metric==="cost"?e.currency:P[this.kind],o=d=>this.metric==="cost"?this.money(d,e.currency):`${this.qty(d)} ${n}`,l=600,a=200,m=l/12,y=m*.36,h=i.reduce((d,v)=>d+v.thisYear,0),g=i.reduce((d,v)=>d+v.lastYear,0);return c`<div class="card">
      <div class="head">
        <h2>${s}</h2>
        <div class="controls">
          <select class="kind" @change=${d=>this.kind=d.target.value}>
            ${["electricity","water"].map(d=>c`<option value=${d} ?selected=${d===this.kind}>${this.t(d)}</option>`)}
          </select>
          <select class="metric" @change=${d=>this.metric=d.target.value}>
            ${["usage","cost"].map(d=>c`<option value=${d} ?selected=${d===this.metric}>${this.t(d)}</option>`)}
          </select>
        </div>
      </div>
      <div class="legend">
        <span><i class="this"></i>${this.t("this_year",{year:e.year})}: ${this.metric==="cost"?this.money(h.toFixed(2),e.currency):`${this.qty(String(h))} ${n}`}</span>
        <span><i class="last"></i>${this.t("last_year",{year:e.year-1})}: ${this.metric==="cost"?this.money(g.toFixed(2),e.currency):`${this.qty(String(g))} ${n}`}</span>
      </div>
      <svg viewBox="0 0 ${l} ${a+20}" role="img" aria-label=${s}>
        ${i.map((d,v)=>{let A=v*m+m*.12,D=Math.max(d.thisHeight*a,d.thisYear>0?1:0),V=Math.max(d.lastHeight*a,d.lastYear>0?1:0);return Bt`<g class="month" data-month=${d.month}>
            <rect class="last" x=${A} y=${a-V} width=${y} height=${V}><title>${e.year-1} ${ut(d.month,this.language)}: ${o(d.lastLabel)}</title></rect>
            <rect class="this" x=${A+y} y=${a-D} width=${y} height=${D}><title>${e.year} ${ut(d.month,this.language)}: ${o(d.thisLabel)}</title></rect>
            <text x=${v*m+m/2} y=${a+15} text-anchor="middle">${ut(d.month,this.language)}</text>
          </g>`})}
      </svg>
    </div>`}};z.styles=[$.baseStyles,b`
      .head {
        display: flex;
        justify-content: space-between;
        align-items: center;
        flex-wrap: wrap;
        gap: 8px;
      }
      .controls {
        display: flex;
        gap: 6px;
      }
      .legend {
        display: flex;
        gap: 16px;
        font-size: 0.9rem;
        margin: 4px 0 8px;
      }
      .legend i {
        display: inline-block;
        width: 10px;
        height: 10px;
        border-radius: 2px;
        margin-right: 4px;
      }
      i.this,
      rect.this {
        background: var(--primary-color, #03a9f4);
        fill: var(--primary-color, #03a9f4);
      }
      i.last,
      rect.last {
        background: var(--disabled-text-color, #bdbdbd);
        fill: var(--disabled-text-color, #bdbdbd);
      }
      svg {
        width: 100%;
        height: auto;
      }
      text {
        font-size: 11px;
        fill: var(--secondary-text-color, #727272);
      }
    `],p([f()],z.prototype,"kind",2),p([f()],z.prototype,"metric",2);var ce={ATTRIBUTE:1,CHILD:2,PROPERTY:3,BOOLEAN_ATTRIBUTE:4,EVENT:5,ELEMENT:6},de=r=>(...t)=>({_$litDirective$:r,values:t}),mt=class{constructor(t){}get _$AU(){return this._$AM._$AU}_$AT(t,e,s){this._$Ct=t,this._$AM=e,this._$Ci=s}_$AS(t,e){return this.update(t,e)}update(t,e){return this.render(...e)}};var{I:Pe}=qt,he=r=>r;var ue=()=>document.createComment(""),q=(r,t,e)=>{let s=r._$AA.parentNode,i=t===void 0?r._$AB:t._$AA;if(e===void 0){let n=s.insertBefore(ue(),i),o=s.insertBefore(ue(),i);e=new Pe(n,o,r,r.options)}else{let n=e._$AB.nextSibling,o=e._$AM,l=o!==r;if(l){let a;e._$AQ?.(r),e._$AM=r,e._$AP!==void 0&&(a=r._$AU)!==o._$AU&&e._$AP(a)}if(n!==i||l){let a=e._$AA;for(;a!==n;){let m=he(a).nextSibling;he(s).insertBefore(a,i),a=m}}}return e},H=(r,t,e=r)=>(r._$AI(t,e),r),je={},pe=(r,t=je)=>r._$AH=t,me=r=>r._$AH,ft=r=>{r._$AR(),r._$AA.remove()};var fe=(r,t,e)=>{let s=new Map;for(let i=t;i<=e;i++)s.set(r[i],i);return s},ge=de(class extends mt{constructor(r){if(super(r),r.type!==ce.CHILD)throw Error("repeat() can only be used in text expressions")}dt(r,t,e){let s;e===void 0?e=t:t!==void 0&&(s=t);let i=[],n=[],o=0;for(let l of r)i[o]=s?s(l,o):o,n[o]=e(l,o),o++;return{values:n,keys:i}}render(r,t,e){return this.dt(r,t,e).values}update(r,[t,e,s]){let i=me(r),{values:n,keys:o}=this.dt(t,e,s);if(!Array.isArray(i))return this.ut=o,n;let l=this.ut??=[],a=[],m,y,h=0,g=i.length-1,d=0,v=n.length-1;for(;h<=g&&d<=v;)if(i[h]===null)h++;else if(i[g]===null)g--;else if(l[h]===o[d])a[d]=H(i[h],n[d]),h++,d++;else if(l[g]===o[v])a[v]=H(i[g],n[v]),g--,v--;else if(l[h]===o[v])a[v]=H(i[h],n[v]),q(r,a[v+1],i[h]),h++,v--;else if(l[g]===o[d])a[d]=H(i[g],n[d]),q(r,i[h],i[g]),g--,d++;else if(m===void 0&&(m=fe(o,d,v),y=fe(l,h,g)),m.has(l[h]))if(m.has(l[g])){let A=y.get(o[d]),D=A!==void 0?i[A]:null;if(D===null){let V=q(r,i[h]);H(V,n[d]),a[d]=V}else a[d]=H(D,n[d]),q(r,i[h],D),i[A]=null;d++}else ft(i[g]),g--;else ft(i[h]),h++;for(;d<=v;){let A=q(r,a[v+1]);H(A,n[d]),a[d++]=A}for(;h<=g;){let A=i[h++];A!==null&&ft(A)}return this.ut=o,pe(r,a),R}});var S=class extends ${constructor(){super(...arguments);this.text="";this.floor="";this.area="";this.building="";this.sort="room";this.onlyAlarms=!1}static getConfigElement(){return document.createElement("prepaid-utility-card-editor")}static getStubConfig(){return{type:"custom:prepaid-utility-rooms-card",sort:"room"}}setConfig(e){super.setConfig(e),this.sort=e.sort??"room",this.building=e.building??"",this.floor=e.floor??"",this.area=e.area??""}fetch(e){return e.callWS({type:"prepaid_utility/rooms"})}getCardSize(){return 8}tile(e,s){let i=Object.entries(e.today.usage).map(([o,l])=>`${this.qty(l)} ${P[o]??""}`).join(" \xB7 "),n=e.supply==="none"?"":this.t(`supply_${e.supply}`);return c`<button
      class="tile ${e.online?"":"offline"}"
      data-account=${e.account_id}
      @click=${()=>this.opened=e.account_id}
      title=${this.t(`level_${e.level??"normal"}`)}
    >
      <div class="top">
        <span class="room">${e.room||e.area||"\u2014"}</span>
        <span class="dot" title=${e.online?this.t("online"):this.t("offline")}></span>
      </div>
      <div class="name">${e.name}</div>
      <div class="balance" style="color:${tt(e.level)}">
        ${this.money(e.balance,s)}
      </div>
      <div class="meta">
        <span class="supply ${e.supply}">${n}${e.pending?` ${this.t("pending")}`:""}</span>
      </div>
      <div class="today muted">
        ${this.t("today")}: ${i||"0"} · ${this.money(e.today.cost,s)}
      </div>
    </button>`}select(e,s,i,n){return i.length<2&&!s?u:c`<label
      >${e}
      <select .value=${s} @change=${o=>n(o.target.value)}>
        <option value="">${this.t("all")}</option>
        ${i.map(o=>c`<option value=${o} ?selected=${o===s}>${o}</option>`)}
      </select></label
    >`}render(){let e=this.data,s=this.config?.title??this.t("rooms_title");if(!e)return c`<div class="card"><h2>${s}</h2>
        ${this.error?c`<div class="error">${this.t("error",{error:this.error})}</div>`:c`<div class="muted">…</div>`}</div>`;let i=Xt(e.accounts,{building:this.building,floor:this.floor,area:this.area,text:this.text,onlyAlarms:this.onlyAlarms},this.sort);return c`<div class="card">
      <div class="head">
        <h2>${s}</h2>
        <span class="muted count">${this.t("rooms_count",{shown:i.length,total:e.accounts.length})}</span>
      </div>
      <div class="filters">
        <input
          type="search"
          placeholder=${this.t("search")}
          .value=${this.text}
          @input=${n=>this.text=n.target.value}
        />
        ${this.select(this.t("building"),this.building,F(e.accounts,"building"),n=>this.building=n)}
        ${this.select(this.t("floor"),this.floor,F(e.accounts,"floor"),n=>this.floor=n)}
        ${this.select(this.t("area"),this.area,F(e.accounts,"area"),n=>this.area=n)}
        <label
          >${this.t("sort")}
          <select class="sort" @change=${n=>this.sort=n.target.value}>
            ${["room","balance","name"].map(n=>c`<option value=${n} ?selected=${n===this.sort}>${this.t(`sort_${n}`)}</option>`)}
          </select></label
        >
        <label class="check"
          ><input
            type="checkbox"
            .checked=${this.onlyAlarms}
            @change=${n=>this.onlyAlarms=n.target.checked}
          />${this.t("only_alarms")}</label
        >
      </div>
      ${i.length?c`<div class="grid">${ge(i,n=>n.account_id,n=>this.tile(n,e.currency))}</div>`:c`<div class="muted">${this.t("no_rooms")}</div>`}
      ${this.opened?c`<prepaid-utility-account-dialog
            .hass=${this.hass}
            .accountId=${this.opened}
            @closed=${()=>{this.opened=void 0,this.refresh()}}
          ></prepaid-utility-account-dialog>`:u}
    </div>`}};S.styles=[$.baseStyles,b`
      .head {
        display: flex;
        justify-content: space-between;
        align-items: baseline;
      }
      .filters {
        display: flex;
        flex-wrap: wrap;
        gap: 8px 12px;
        align-items: center;
        margin-bottom: 12px;
      }
      .filters label {
        display: flex;
        gap: 4px;
        align-items: center;
        font-size: 0.9rem;
      }
      .grid {
        display: grid;
        grid-template-columns: repeat(auto-fill, minmax(150px, 1fr));
        gap: 8px;
      }
      .tile {
        /* Off-screen tiles are not laid out: 500 rooms stay quick. */
        content-visibility: auto;
        contain-intrinsic-size: 150px 118px;
        display: flex;
        flex-direction: column;
        gap: 2px;
        text-align: left;
        padding: 10px;
        border-radius: 10px;
        border: 1px solid var(--divider-color, #e0e0e0);
        background: var(--secondary-background-color, #fafafa);
        color: var(--primary-text-color, #212121);
      }
      .tile:hover {
        border-color: var(--primary-color, #03a9f4);
      }
      .tile.offline {
        opacity: 0.6;
      }
      .top {
        display: flex;
        justify-content: space-between;
        align-items: center;
      }
      .room {
        font-weight: 600;
      }
      .dot {
        width: 8px;
        height: 8px;
        border-radius: 50%;
        background: var(--success-color, #43a047);
      }
      .offline .dot {
        background: var(--disabled-text-color, #bdbdbd);
      }
      .name {
        font-size: 0.85rem;
        white-space: nowrap;
        overflow: hidden;
        text-overflow: ellipsis;
      }
      .balance {
        font-size: 1.3rem;
        font-weight: 600;
        font-variant-numeric: tabular-nums;
      }
      .meta,
      .today {
        font-size: 0.75rem;
      }
      .supply.off {
        color: var(--error-color, #db4437);
        font-weight: 600;
      }
    `],p([f()],S.prototype,"text",2),p([f()],S.prototype,"floor",2),p([f()],S.prototype,"area",2),p([f()],S.prototype,"building",2),p([f()],S.prototype,"sort",2),p([f()],S.prototype,"onlyAlarms",2),p([f()],S.prototype,"opened",2);var L=class extends w{constructor(){super(...arguments);this.rooms=[];this.asked=!1}setConfig(e){this.config={...e}}willUpdate(){this.hass&&!this.asked&&(this.asked=!0,this.hass.callWS({type:"prepaid_utility/rooms"}).then(e=>this.rooms=e.accounts).catch(()=>this.rooms=[]))}t(e){return E(this.hass?.locale?.language??this.hass?.language,e)}get kind(){return(this.config?.type??"").replace("custom:prepaid-utility-","").replace("-card","")}set(e,s){if(!this.config)return;let i={...this.config};s===""?delete i[e]:i[e]=s,this.config=i,this.dispatchEvent(new CustomEvent("config-changed",{detail:{config:i},bubbles:!0,composed:!0}))}choice(e,s,i,n){let o=String(this.config?.[e]??"");return c`<label
      >${s}
      <select data-field=${e} @change=${l=>this.set(e,l.target.value)}>
        ${n!==void 0?c`<option value="" ?selected=${o===""}>${n}</option>`:u}
        ${i.map(([l,a])=>c`<option value=${l} ?selected=${l===o}>${a}</option>`)}
      </select></label
    >`}render(){if(!this.config)return u;let e=this.rooms.map(n=>[n.account_id,[n.room,n.name,n.building].filter(Boolean).join(" \xB7 ")]),s=n=>F(this.rooms,n).map(o=>[o,o]),i=this.kind;return c`<div class="editor">
      <label
        >${this.t("title")}
        <input
          data-field="title"
          .value=${this.config.title??""}
          @change=${n=>this.set("title",n.target.value)}
      /></label>
      ${i==="account"?this.choice("account_id",this.t("account"),e,"\u2014"):u}
      ${i==="reports"?this.choice("account_id",this.t("account"),e,this.t("all")):u}
      ${i==="reports"?c`${this.choice("kind",this.t("kind"),[["electricity",this.t("electricity")],["water",this.t("water")]])}
          ${this.choice("metric",this.t("metric"),[["usage",this.t("usage")],["cost",this.t("cost")]])}`:u}
      ${i==="rooms"?c`${this.choice("building",this.t("building"),s("building"),this.t("all"))}
          ${this.choice("floor",this.t("floor"),s("floor"),this.t("all"))}
          ${this.choice("area",this.t("area"),s("area"),this.t("all"))}
          ${this.choice("sort",this.t("sort"),[["room",this.t("sort_room")],["balance",this.t("sort_balance")],["name",this.t("sort_name")]])}`:u}
      ${i==="finance"?this.choice("granularity",this.t("granularity"),[["day",this.t("granularity_day")],["month",this.t("granularity_month")],["year",this.t("granularity_year")]]):u}
    </div>`}};L.styles=b`
    .editor {
      display: flex;
      flex-direction: column;
      gap: 12px;
    }
    label {
      display: flex;
      flex-direction: column;
      gap: 4px;
      font-size: 0.9rem;
    }
    select,
    input {
      font: inherit;
      padding: 8px;
      border-radius: 6px;
      border: 1px solid var(--divider-color, #ccc);
      background: var(--card-background-color, #fff);
      color: var(--primary-text-color, #212121);
    }
  `,p([_({attribute:!1})],L.prototype,"hass",2),p([f()],L.prototype,"config",2),p([f()],L.prototype,"rooms",2);function ye(r,t,e){return t?{views:[{title:E(e,"rooms_title"),path:"rooms",type:"panel",cards:[{type:"custom:prepaid-utility-rooms-card"}]},{title:E(e,"reports_title"),path:"reports",cards:[{type:"custom:prepaid-utility-reports-card",kind:"electricity"},{type:"custom:prepaid-utility-reports-card",kind:"water"}]},{title:E(e,"finance_title"),path:"finance",cards:[{type:"custom:prepaid-utility-finance-card"}]}]}:{views:r.accounts.map(s=>({title:s.room||s.name,path:`account-${s.account_id.toLowerCase()}`,cards:[{type:"custom:prepaid-utility-account-card",account_id:s.account_id},{type:"custom:prepaid-utility-reports-card",account_id:s.account_id}]}))}}var gt=class extends HTMLElement{static async generate(t,e){let s=await e.callWS({type:"prepaid_utility/rooms"}),i=e.locale?.language??e.language;return ye(s,e.user?.is_admin??!1,i)}};var ze="0.1.0",De=[["prepaid-utility-rooms-card",S],["prepaid-utility-account-card",T],["prepaid-utility-reports-card",z],["prepaid-utility-finance-card",K],["prepaid-utility-account-dialog",j],["prepaid-utility-money-dialog",x],["prepaid-utility-card-editor",L],["ll-strategy-dashboard-prepaid-utility",gt]],Be=[{type:"prepaid-utility-rooms-card",name:"Prepaid Utility: Rooms",description:"Every room's balance, supply and today's usage (landlord)."},{type:"prepaid-utility-account-card",name:"Prepaid Utility: Account",description:"One account's balance, days left, usage and recent entries (resident)."},{type:"prepaid-utility-reports-card",name:"Prepaid Utility: Monthly report",description:"Usage and cost per month beside last year."},{type:"prepaid-utility-finance-card",name:"Prepaid Utility: Finance",description:"Income, recharges, refunds and debts (administrators)."}];for(let[r,t]of De)customElements.get(r)||customElements.define(r,t);window.customCards=window.customCards??[];for(let r of Be)window.customCards.some(t=>t.type===r.type)||window.customCards.push({...r,preview:!1});console.info(`%c PREPAID-UTILITY-CARDS %c ${ze} `,"color:#fff;background:#1976d2","color:#1976d2");export{Be as CARDS,ze as VERSION};
