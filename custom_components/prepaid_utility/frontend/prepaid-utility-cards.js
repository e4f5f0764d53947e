var $e=Object.defineProperty;var _e=Object.getOwnPropertyDescriptor;var p=(i,t,e,s)=>{for(var r=s>1?void 0:s?_e(t,e):t,n=i.length-1,o;n>=0;n--)(o=i[n])&&(r=(s?o(t,e,r):o(r))||r);return s&&r&&$e(t,e,r),r};var et=globalThis,st=et.ShadowRoot&&(et.ShadyCSS===void 0||et.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,yt=Symbol(),Rt=new WeakMap,W=class{constructor(t,e,s){if(this._$cssResult$=!0,s!==yt)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=t,this.t=e}get styleSheet(){let t=this.o,e=this.t;if(st&&t===void 0){let s=e!==void 0&&e.length===1;s&&(t=Rt.get(e)),t===void 0&&((this.o=t=new CSSStyleSheet).replaceSync(this.cssText),s&&Rt.set(e,t))}return t}toString(){return this.cssText}},Tt=i=>new W(typeof i=="string"?i:i+"",void 0,yt),b=(i,...t)=>{let e=i.length===1?i[0]:t.reduce((s,r,n)=>s+(o=>{if(o._$cssResult$===!0)return o.cssText;if(typeof o=="number")return o;throw Error("Value passed to 'css' function must be a 'css' function result: "+o+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(r)+i[n+1],i[0]);return new W(e,i,yt)},Ht=(i,t)=>{if(st)i.adoptedStyleSheets=t.map(e=>e instanceof CSSStyleSheet?e:e.styleSheet);else for(let e of t){let s=document.createElement("style"),r=et.litNonce;r!==void 0&&s.setAttribute("nonce",r),s.textContent=e.cssText,i.appendChild(s)}},vt=st?i=>i:i=>i instanceof CSSStyleSheet?(t=>{let e="";for(let s of t.cssRules)e+=s.cssText;return Tt(e)})(i):i;var{is:be,defineProperty:xe,getOwnPropertyDescriptor:we,getOwnPropertyNames:Ae,getOwnPropertySymbols:Ee,getPrototypeOf:Se}=Object,rt=globalThis,Lt=rt.trustedTypes,ke=Lt?Lt.emptyScript:"",Ce=rt.reactiveElementPolyfillSupport,Y=(i,t)=>i,Z={toAttribute(i,t){switch(t){case Boolean:i=i?ke:null;break;case Object:case Array:i=i==null?i:JSON.stringify(i)}return i},fromAttribute(i,t){let e=i;switch(t){case Boolean:e=i!==null;break;case Number:e=i===null?null:Number(i);break;case Object:case Array:try{e=JSON.parse(i)}catch{e=null}}return e}},it=(i,t)=>!be(i,t),Mt={attribute:!0,type:String,converter:Z,reflect:!1,useDefault:!1,hasChanged:it};Symbol.metadata??=Symbol("metadata"),rt.litPropertyMetadata??=new WeakMap;var k=class extends HTMLElement{static addInitializer(t){this._$Ei(),(this.l??=[]).push(t)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(t,e=Mt){if(e.state&&(e.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(t)&&((e=Object.create(e)).wrapped=!0),this.elementProperties.set(t,e),!e.noAccessor){let s=Symbol(),r=this.getPropertyDescriptor(t,s,e);r!==void 0&&xe(this.prototype,t,r)}}static getPropertyDescriptor(t,e,s){let{get:r,set:n}=we(this.prototype,t)??{get(){return this[e]},set(o){this[e]=o}};return{get:r,set(o){let a=r?.call(this);n?.call(this,o),this.requestUpdate(t,a,s)},configurable:!0,enumerable:!0}}static getPropertyOptions(t){return this.elementProperties.get(t)??Mt}static _$Ei(){if(this.hasOwnProperty(Y("elementProperties")))return;let t=Se(this);t.finalize(),t.l!==void 0&&(this.l=[...t.l]),this.elementProperties=new Map(t.elementProperties)}static finalize(){if(this.hasOwnProperty(Y("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(Y("properties"))){let e=this.properties,s=[...Ae(e),...Ee(e)];for(let r of s)this.createProperty(r,e[r])}let t=this[Symbol.metadata];if(t!==null){let e=litPropertyMetadata.get(t);if(e!==void 0)for(let[s,r]of e)this.elementProperties.set(s,r)}this._$Eh=new Map;for(let[e,s]of this.elementProperties){let r=this._$Eu(e,s);r!==void 0&&this._$Eh.set(r,e)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(t){let e=[];if(Array.isArray(t)){let s=new Set(t.flat(1/0).reverse());for(let r of s)e.unshift(vt(r))}else t!==void 0&&e.push(vt(t));return e}static _$Eu(t,e){let s=e.attribute;return s===!1?void 0:typeof s=="string"?s:typeof t=="string"?t.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(t=>this.enableUpdating=t),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(t=>t(this))}addController(t){(this._$EO??=new Set).add(t),this.renderRoot!==void 0&&this.isConnected&&t.hostConnected?.()}removeController(t){this._$EO?.delete(t)}_$E_(){let t=new Map,e=this.constructor.elementProperties;for(let s of e.keys())this.hasOwnProperty(s)&&(t.set(s,this[s]),delete this[s]);t.size>0&&(this._$Ep=t)}createRenderRoot(){let t=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return Ht(t,this.constructor.elementStyles),t}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(t=>t.hostConnected?.())}enableUpdating(t){}disconnectedCallback(){this._$EO?.forEach(t=>t.hostDisconnected?.())}attributeChangedCallback(t,e,s){this._$AK(t,s)}_$ET(t,e){let s=this.constructor.elementProperties.get(t),r=this.constructor._$Eu(t,s);if(r!==void 0&&s.reflect===!0){let n=(s.converter?.toAttribute!==void 0?s.converter:Z).toAttribute(e,s.type);this._$Em=t,n==null?this.removeAttribute(r):this.setAttribute(r,n),this._$Em=null}}_$AK(t,e){let s=this.constructor,r=s._$Eh.get(t);if(r!==void 0&&this._$Em!==r){let n=s.getPropertyOptions(r),o=typeof n.converter=="function"?{fromAttribute:n.converter}:n.converter?.fromAttribute!==void 0?n.converter:Z;this._$Em=r;let a=o.fromAttribute(e,n.type);this[r]=a??this._$Ej?.get(r)??a,this._$Em=null}}requestUpdate(t,e,s,r=!1,n){if(t!==void 0){let o=this.constructor;if(r===!1&&(n=this[t]),s??=o.getPropertyOptions(t),!((s.hasChanged??it)(n,e)||s.useDefault&&s.reflect&&n===this._$Ej?.get(t)&&!this.hasAttribute(o._$Eu(t,s))))return;this.C(t,e,s)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(t,e,{useDefault:s,reflect:r,wrapped:n},o){s&&!(this._$Ej??=new Map).has(t)&&(this._$Ej.set(t,o??e??this[t]),n!==!0||o!==void 0)||(this._$AL.has(t)||(this.hasUpdated||s||(e=void 0),this._$AL.set(t,e)),r===!0&&this._$Em!==t&&(this._$Eq??=new Set).add(t))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(e){Promise.reject(e)}let t=this.scheduleUpdate();return t!=null&&await t,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[r,n]of this._$Ep)this[r]=n;this._$Ep=void 0}let s=this.constructor.elementProperties;if(s.size>0)for(let[r,n]of s){let{wrapped:o}=n,a=this[r];o!==!0||this._$AL.has(r)||a===void 0||this.C(r,void 0,n,a)}}let t=!1,e=this._$AL;try{t=this.shouldUpdate(e),t?(this.willUpdate(e),this._$EO?.forEach(s=>s.hostUpdate?.()),this.update(e)):this._$EM()}catch(s){throw t=!1,this._$EM(),s}t&&this._$AE(e)}willUpdate(t){}_$AE(t){this._$EO?.forEach(e=>e.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(t)),this.updated(t)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(t){return!0}update(t){this._$Eq&&=this._$Eq.forEach(e=>this._$ET(e,this[e])),this._$EM()}updated(t){}firstUpdated(t){}};k.elementStyles=[],k.shadowRootOptions={mode:"open"},k[Y("elementProperties")]=new Map,k[Y("finalized")]=new Map,Ce?.({ReactiveElement:k}),(rt.reactiveElementVersions??=[]).push("2.1.2");var _t=globalThis,Nt=i=>i,nt=_t.trustedTypes,Ot=nt?nt.createPolicy("lit-html",{createHTML:i=>i}):void 0,bt="$lit$",C=`lit$${Math.random().toFixed(9).slice(2)}$`,xt="?"+C,Re=`<${xt}>`,U=document,J=()=>U.createComment(""),Q=i=>i===null||typeof i!="object"&&typeof i!="function",wt=Array.isArray,Dt=i=>wt(i)||typeof i?.[Symbol.iterator]=="function",$t=`[ 	
\f\r]`,G=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,Ut=/-->/g,It=/>/g,N=RegExp(`>|${$t}(?:([^\\s"'>=/]+)(${$t}*=${$t}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),Pt=/'/g,jt=/"/g,Bt=/^(?:script|style|textarea|title)$/i,At=i=>(t,...e)=>({_$litType$:i,strings:t,values:e}),c=At(1),Ft=At(2),Ze=At(3),R=Symbol.for("lit-noChange"),h=Symbol.for("lit-nothing"),zt=new WeakMap,O=U.createTreeWalker(U,129);function Kt(i,t){if(!wt(i)||!i.hasOwnProperty("raw"))throw Error("invalid template strings array");return Ot!==void 0?Ot.createHTML(t):t}var qt=(i,t)=>{let e=i.length-1,s=[],r,n=t===2?"<svg>":t===3?"<math>":"",o=G;for(let a=0;a<e;a++){let l=i[a],m,f,u=-1,y=0;for(;y<l.length&&(o.lastIndex=y,f=o.exec(l),f!==null);)y=o.lastIndex,o===G?f[1]==="!--"?o=Ut:f[1]!==void 0?o=It:f[2]!==void 0?(Bt.test(f[2])&&(r=RegExp("</"+f[2],"g")),o=N):f[3]!==void 0&&(o=N):o===N?f[0]===">"?(o=r??G,u=-1):f[1]===void 0?u=-2:(u=o.lastIndex-f[2].length,m=f[1],o=f[3]===void 0?N:f[3]==='"'?jt:Pt):o===jt||o===Pt?o=N:o===Ut||o===It?o=G:(o=N,r=void 0);let d=o===N&&i[a+1].startsWith("/>")?" ":"";n+=o===G?l+Re:u>=0?(s.push(m),l.slice(0,u)+bt+l.slice(u)+C+d):l+C+(u===-2?a:d)}return[Kt(i,n+(i[e]||"<?>")+(t===2?"</svg>":t===3?"</math>":"")),s]},X=class i{constructor({strings:t,_$litType$:e},s){let r;this.parts=[];let n=0,o=0,a=t.length-1,l=this.parts,[m,f]=qt(t,e);if(this.el=i.createElement(m,s),O.currentNode=this.el.content,e===2||e===3){let u=this.el.content.firstChild;u.replaceWith(...u.childNodes)}for(;(r=O.nextNode())!==null&&l.length<a;){if(r.nodeType===1){if(r.hasAttributes())for(let u of r.getAttributeNames())if(u.endsWith(bt)){let y=f[o++],d=r.getAttribute(u).split(C),v=/([.?@])?(.*)/.exec(y);l.push({type:1,index:n,name:v[2],strings:d,ctor:v[1]==="."?at:v[1]==="?"?lt:v[1]==="@"?ct:P}),r.removeAttribute(u)}else u.startsWith(C)&&(l.push({type:6,index:n}),r.removeAttribute(u));if(Bt.test(r.tagName)){let u=r.textContent.split(C),y=u.length-1;if(y>0){r.textContent=nt?nt.emptyScript:"";for(let d=0;d<y;d++)r.append(u[d],J()),O.nextNode(),l.push({type:2,index:++n});r.append(u[y],J())}}}else if(r.nodeType===8)if(r.data===xt)l.push({type:2,index:n});else{let u=-1;for(;(u=r.data.indexOf(C,u+1))!==-1;)l.push({type:7,index:n}),u+=C.length-1}n++}}static createElement(t,e){let s=U.createElement("template");return s.innerHTML=t,s}};function I(i,t,e=i,s){if(t===R)return t;let r=s!==void 0?e._$Co?.[s]:e._$Cl,n=Q(t)?void 0:t._$litDirective$;return r?.constructor!==n&&(r?._$AO?.(!1),n===void 0?r=void 0:(r=new n(i),r._$AT(i,e,s)),s!==void 0?(e._$Co??=[])[s]=r:e._$Cl=r),r!==void 0&&(t=I(i,r._$AS(i,t.values),r,s)),t}var ot=class{constructor(t,e){this._$AV=[],this._$AN=void 0,this._$AD=t,this._$AM=e}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(t){let{el:{content:e},parts:s}=this._$AD,r=(t?.creationScope??U).importNode(e,!0);O.currentNode=r;let n=O.nextNode(),o=0,a=0,l=s[0];for(;l!==void 0;){if(o===l.index){let m;l.type===2?m=new B(n,n.nextSibling,this,t):l.type===1?m=new l.ctor(n,l.name,l.strings,this,t):l.type===6&&(m=new dt(n,this,t)),this._$AV.push(m),l=s[++a]}o!==l?.index&&(n=O.nextNode(),o++)}return O.currentNode=U,r}p(t){let e=0;for(let s of this._$AV)s!==void 0&&(s.strings!==void 0?(s._$AI(t,s,e),e+=s.strings.length-2):s._$AI(t[e])),e++}},B=class i{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(t,e,s,r){this.type=2,this._$AH=h,this._$AN=void 0,this._$AA=t,this._$AB=e,this._$AM=s,this.options=r,this._$Cv=r?.isConnected??!0}get parentNode(){let t=this._$AA.parentNode,e=this._$AM;return e!==void 0&&t?.nodeType===11&&(t=e.parentNode),t}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(t,e=this){t=I(this,t,e),Q(t)?t===h||t==null||t===""?(this._$AH!==h&&this._$AR(),this._$AH=h):t!==this._$AH&&t!==R&&this._(t):t._$litType$!==void 0?this.$(t):t.nodeType!==void 0?this.T(t):Dt(t)?this.k(t):this._(t)}O(t){return this._$AA.parentNode.insertBefore(t,this._$AB)}T(t){this._$AH!==t&&(this._$AR(),this._$AH=this.O(t))}_(t){this._$AH!==h&&Q(this._$AH)?this._$AA.nextSibling.data=t:this.T(U.createTextNode(t)),this._$AH=t}$(t){let{values:e,_$litType$:s}=t,r=typeof s=="number"?this._$AC(t):(s.el===void 0&&(s.el=X.createElement(Kt(s.h,s.h[0]),this.options)),s);if(this._$AH?._$AD===r)this._$AH.p(e);else{let n=new ot(r,this),o=n.u(this.options);n.p(e),this.T(o),this._$AH=n}}_$AC(t){let e=zt.get(t.strings);return e===void 0&&zt.set(t.strings,e=new X(t)),e}k(t){wt(this._$AH)||(this._$AH=[],this._$AR());let e=this._$AH,s,r=0;for(let n of t)r===e.length?e.push(s=new i(this.O(J()),this.O(J()),this,this.options)):s=e[r],s._$AI(n),r++;r<e.length&&(this._$AR(s&&s._$AB.nextSibling,r),e.length=r)}_$AR(t=this._$AA.nextSibling,e){for(this._$AP?.(!1,!0,e);t!==this._$AB;){let s=Nt(t).nextSibling;Nt(t).remove(),t=s}}setConnected(t){this._$AM===void 0&&(this._$Cv=t,this._$AP?.(t))}},P=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(t,e,s,r,n){this.type=1,this._$AH=h,this._$AN=void 0,this.element=t,this.name=e,this._$AM=r,this.options=n,s.length>2||s[0]!==""||s[1]!==""?(this._$AH=Array(s.length-1).fill(new String),this.strings=s):this._$AH=h}_$AI(t,e=this,s,r){let n=this.strings,o=!1;if(n===void 0)t=I(this,t,e,0),o=!Q(t)||t!==this._$AH&&t!==R,o&&(this._$AH=t);else{let a=t,l,m;for(t=n[0],l=0;l<n.length-1;l++)m=I(this,a[s+l],e,l),m===R&&(m=this._$AH[l]),o||=!Q(m)||m!==this._$AH[l],m===h?t=h:t!==h&&(t+=(m??"")+n[l+1]),this._$AH[l]=m}o&&!r&&this.j(t)}j(t){t===h?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,t??"")}},at=class extends P{constructor(){super(...arguments),this.type=3}j(t){this.element[this.name]=t===h?void 0:t}},lt=class extends P{constructor(){super(...arguments),this.type=4}j(t){this.element.toggleAttribute(this.name,!!t&&t!==h)}},ct=class extends P{constructor(t,e,s,r,n){super(t,e,s,r,n),this.type=5}_$AI(t,e=this){if((t=I(this,t,e,0)??h)===R)return;let s=this._$AH,r=t===h&&s!==h||t.capture!==s.capture||t.once!==s.once||t.passive!==s.passive,n=t!==h&&(s===h||r);r&&this.element.removeEventListener(this.name,this,s),n&&this.element.addEventListener(this.name,this,t),this._$AH=t}handleEvent(t){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,t):this._$AH.handleEvent(t)}},dt=class{constructor(t,e,s){this.element=t,this.type=6,this._$AN=void 0,this._$AM=e,this.options=s}get _$AU(){return this._$AM._$AU}_$AI(t){I(this,t)}},Vt={M:bt,P:C,A:xt,C:1,L:qt,R:ot,D:Dt,V:I,I:B,H:P,N:lt,U:ct,B:at,F:dt},Te=_t.litHtmlPolyfillSupport;Te?.(X,B),(_t.litHtmlVersions??=[]).push("3.3.3");var Wt=(i,t,e)=>{let s=e?.renderBefore??t,r=s._$litPart$;if(r===void 0){let n=e?.renderBefore??null;s._$litPart$=r=new B(t.insertBefore(J(),n),n,void 0,e??{})}return r._$AI(i),r};var Et=globalThis,w=class extends k{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let t=super.createRenderRoot();return this.renderOptions.renderBefore??=t.firstChild,t}update(t){let e=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(t),this._$Do=Wt(e,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return R}};w._$litElement$=!0,w.finalized=!0,Et.litElementHydrateSupport?.({LitElement:w});var He=Et.litElementPolyfillSupport;He?.({LitElement:w});(Et.litElementVersions??=[]).push("4.2.2");var Le={attribute:!0,type:String,converter:Z,reflect:!1,hasChanged:it},Me=(i=Le,t,e)=>{let{kind:s,metadata:r}=e,n=globalThis.litPropertyMetadata.get(r);if(n===void 0&&globalThis.litPropertyMetadata.set(r,n=new Map),s==="setter"&&((i=Object.create(i)).wrapped=!0),n.set(e.name,i),s==="accessor"){let{name:o}=e;return{set(a){let l=t.get.call(this);t.set.call(this,a),this.requestUpdate(o,l,i,!0,a)},init(a){return a!==void 0&&this.C(o,void 0,i,a),a}}}if(s==="setter"){let{name:o}=e;return function(a){let l=this[o];t.call(this,a),this.requestUpdate(o,l,i,!0,a)}}throw Error("Unsupported decorator location: "+s)};function _(i){return(t,e)=>typeof e=="object"?Me(i,t,e):((s,r,n)=>{let o=r.hasOwnProperty(n);return r.constructor.createProperty(n,s),o?Object.getOwnPropertyDescriptor(r,n):void 0})(i,t,e)}function g(i){return _({...i,state:!0,attribute:!1})}function Zt(i,t){switch(i?.number_format){case"comma_decimal":return"en-US";case"decimal_comma":return"de-DE";case"space_comma":return"fr-FR";case"system":return;default:return i?.language||t||void 0}}var Yt=new Map;function Gt(i,t){let e=`${i??""}|${JSON.stringify(t)}`,s=Yt.get(e);return s||(s=new Intl.NumberFormat(i,t),Yt.set(e,s)),s}function Jt(i){return i?.number_format!=="none"}function Qt(i,t,e,s="en"){return i==null||i===""?"\u2014":Gt(Zt(e,s),{style:"currency",currency:t||"EUR",useGrouping:Jt(e)}).format(i)}function Xt(i,t,e="en",s=2){return i==null||i===""?"\u2014":Gt(Zt(t,e),{minimumFractionDigits:0,maximumFractionDigits:s,useGrouping:Jt(t)}).format(i)}var T={electricity:"kWh",water:"m\xB3",gas:"m\xB3"},Ne=["normal","low_1","low_2","low_3","arrears","cut_off"];function tt(i){switch(i){case"normal":return"var(--success-color, #43a047)";case"low_1":return"var(--warning-color, #ffa000)";case"low_2":return"#f57c00";case"low_3":return"#e64a19";case"arrears":case"cut_off":return"var(--error-color, #db4437)";default:return"var(--secondary-text-color, #727272)"}}function St(i){return i?Ne.indexOf(i):-1}function te(i,t,e="room"){let s=(t.text??"").trim().toLowerCase(),r=i.filter(a=>(!t.building||a.building===t.building)&&(!t.floor||a.floor===t.floor)&&(!t.area||a.area===t.area)&&(!t.onlyAlarms||St(a.level)>0)&&(!s||`${a.name} ${a.room} ${a.area??""}`.toLowerCase().includes(s))),n=new Intl.Collator(void 0,{numeric:!0,sensitivity:"base"}),o=(a,l)=>n.compare(a.building,l.building)||n.compare(a.room,l.room)||n.compare(a.name,l.name);return e==="balance"?r.sort((a,l)=>{let m=a.balance_minor??Number.POSITIVE_INFINITY,f=l.balance_minor??Number.POSITIVE_INFINITY;return m-f||o(a,l)}):e==="name"?r.sort((a,l)=>n.compare(a.name,l.name)||o(a,l)):r.sort(o),r}function F(i,t){let e=new Set;for(let s of i){let r=s[t];r&&e.add(r)}return[...e].sort(new Intl.Collator(void 0,{numeric:!0}).compare)}function ee(i,t,e){let s=o=>{let a=t==="cost"?o.cost:o.usage[e]??"0";return[Number(a),a]},r=i.map(o=>({month:o.month,t:s(o.this_year),l:s(o.last_year)})),n=Math.max(0,...r.flatMap(o=>[o.t[0],o.l[0]]));return r.map(o=>({month:o.month,thisYear:o.t[0],lastYear:o.l[0],thisHeight:n>0?o.t[0]/n:0,lastHeight:n>0?o.l[0]/n:0,thisLabel:o.t[1],lastLabel:o.l[1]}))}function se(i){return i==null||!Number.isFinite(i)?null:i<1?"<1":String(Math.floor(i))}function re(i,t,e=Math.random){let s=t.toISOString().replace(/[-:TZ.]/g,"").slice(0,14),r=Math.floor(e()*36**6).toString(36).padStart(6,"0");return`${i}-${s}-${r}`}function ie(i,t){let e=i.trim();return(t>0?new RegExp(`^\\d{1,7}(\\.\\d{1,${t}})?$`):/^\d{1,7}$/).test(e)&&Number(e)>0}function ht(i,t){return new Intl.DateTimeFormat(t,{month:"short",timeZone:"UTC"}).format(new Date(Date.UTC(2e3,i-1,1)))}function ne(i,t,e){return new Intl.DateTimeFormat(t,{dateStyle:"short",timeStyle:"short",timeZone:e}).format(new Date(i))}function oe(i,t){return i?.time_zone==="local"?void 0:t||void 0}function ae(...i){let t=[];for(let e of i)e&&!t.includes(e)&&t.push(e);return t.join(" \xB7 ")}function le(i){return i.length===8?`${i.slice(0,4)}-${i.slice(4,6)}-${i.slice(6)}`:i.length===6?`${i.slice(0,4)}-${i.slice(4)}`:i}function kt(i){let t=Object.entries(i??{}),e=t.reduce((s,[,r])=>s+Number(r),0);return t.map(([s,r])=>({key:s,value:r,percent:e>0?Math.round(Number(r)/e*100):0})).sort((s,r)=>Number(r.value)-Number(s.value)||s.key.localeCompare(r.key))}var Ct={rooms_title:"Rooms",account_title:"Account",reports_title:"Monthly report",finance_title:"Finance",balance:"Balance",today:"Today",this_month:"This month",usage:"Usage",cost:"Cost",days_left:"About {days} days left",days_left_label:"Days left",online:"Online",offline:"Offline",supply_on:"Supply on",supply_off:"Supply off",supply_unknown:"Supply unknown",supply_none:"No switch",pending:"switching\u2026",level_normal:"Normal",level_low_1:"Low balance",level_low_2:"Very low balance",level_low_3:"Last warning: top up now",level_arrears:"In arrears",level_cut_off:"Supply cut off",banner_low:"Balance is low: please top up.",banner_cut:"Supply is cut off until the account is topped up.",search:"Search",all:"All",building:"Building",floor:"Floor",area:"Area",sort:"Sort",sort_room:"Room",sort_balance:"Balance",sort_name:"Name",only_alarms:"Only alarms",rooms_count:"{shown} of {total} rooms",no_rooms:"No accounts to show.",recent:"Recent entries",no_entries:"No entries yet.",recharge:"Recharge",refund:"Refund",amount:"Amount",method:"Method",method_cash:"Cash",method_bank_transfer:"Bank transfer",method_online:"Online",method_other:"Other",reference:"Reference",cancel:"Cancel",confirm:"Confirm",invalid_amount:"Enter a positive amount.",done:"Done: new balance {balance}",this_year:"{year}",last_year:"{year}",electricity:"Electricity",water:"Water",kind:"Utility",metric:"Show",total:"Total",income:"Income",refunds:"Refunds",debtors:"Accounts in debt",no_debtors:"No account is in debt.",movements:"Recharges and refunds",granularity:"Per",granularity_day:"Day",granularity_month:"Month",granularity_year:"Year",admin_only:"Only administrators can see finance figures.",not_found:"Account not found or not shared with you.",choose_account:"Choose an account in the card's settings.",error:"Could not load: {error}",account:"Account",title:"Title",period:"Period",kind_recharge:"Recharge",kind_refund:"Refund",kind_adjustment:"Adjustment",kind_reversal:"Reversal",kind_fee:"Fee",kind_apportion:"Shared area",kind_settlement:"Settlement",kind_bill_payment:"Bill payment",average_daily:"Average per day",tou:"Time of use",tiers:"Tiers",tier:"Tier {tier}",period_all:"All day",period_peak:"Peak",period_flat:"Flat",period_valley:"Valley",period_sharp:"Sharp peak",open:"Open",close:"Close"},Oe={rooms_title:"\u623F\u95F4",account_title:"\u8D26\u6237",reports_title:"\u6708\u5EA6\u62A5\u8868",finance_title:"\u8D22\u52A1",balance:"\u4F59\u989D",today:"\u4ECA\u65E5",this_month:"\u672C\u6708",usage:"\u7528\u91CF",cost:"\u8D39\u7528",days_left:"\u7EA6\u53EF\u7528 {days} \u5929",days_left_label:"\u53EF\u7528\u5929\u6570",online:"\u5728\u7EBF",offline:"\u79BB\u7EBF",supply_on:"\u4F9B\u7535/\u4F9B\u6C34\u4E2D",supply_off:"\u5DF2\u65AD\u5F00",supply_unknown:"\u72B6\u6001\u672A\u77E5",supply_none:"\u65E0\u5F00\u5173",pending:"\u5207\u6362\u4E2D\u2026",level_normal:"\u6B63\u5E38",level_low_1:"\u4F59\u989D\u504F\u4F4E",level_low_2:"\u4F59\u989D\u5F88\u4F4E",level_low_3:"\u6700\u540E\u63D0\u9192\uFF1A\u8BF7\u7ACB\u5373\u5145\u503C",level_arrears:"\u6B20\u8D39",level_cut_off:"\u5DF2\u65AD\u4F9B",banner_low:"\u4F59\u989D\u4E0D\u8DB3\uFF0C\u8BF7\u5C3D\u5FEB\u5145\u503C\u3002",banner_cut:"\u5DF2\u65AD\u4F9B\uFF0C\u5145\u503C\u540E\u81EA\u52A8\u6062\u590D\u3002",search:"\u641C\u7D22",all:"\u5168\u90E8",building:"\u697C\u680B",floor:"\u697C\u5C42",area:"\u533A\u57DF",sort:"\u6392\u5E8F",sort_room:"\u623F\u95F4",sort_balance:"\u4F59\u989D",sort_name:"\u59D3\u540D",only_alarms:"\u53EA\u770B\u544A\u8B66",rooms_count:"\u663E\u793A {shown} / {total} \u4E2A\u623F\u95F4",no_rooms:"\u6CA1\u6709\u53EF\u663E\u793A\u7684\u8D26\u6237\u3002",recent:"\u6700\u8FD1\u8BB0\u5F55",no_entries:"\u6682\u65E0\u8BB0\u5F55\u3002",recharge:"\u5145\u503C",refund:"\u9000\u6B3E",amount:"\u91D1\u989D",method:"\u65B9\u5F0F",method_cash:"\u73B0\u91D1",method_bank_transfer:"\u94F6\u884C\u8F6C\u8D26",method_online:"\u5728\u7EBF\u652F\u4ED8",method_other:"\u5176\u4ED6",reference:"\u5355\u53F7",cancel:"\u53D6\u6D88",confirm:"\u786E\u8BA4",invalid_amount:"\u8BF7\u8F93\u5165\u6B63\u6570\u91D1\u989D\u3002",done:"\u6210\u529F\uFF1A\u65B0\u4F59\u989D {balance}",this_year:"{year}\u5E74",last_year:"{year}\u5E74",electricity:"\u7535",water:"\u6C34",kind:"\u7C7B\u578B",metric:"\u663E\u793A",total:"\u5408\u8BA1",income:"\u6536\u5165",refunds:"\u9000\u6B3E",debtors:"\u6B20\u8D39\u8D26\u6237",no_debtors:"\u6CA1\u6709\u6B20\u8D39\u8D26\u6237\u3002",movements:"\u5145\u503C\u4E0E\u9000\u6B3E",granularity:"\u6309",granularity_day:"\u65E5",granularity_month:"\u6708",granularity_year:"\u5E74",admin_only:"\u53EA\u6709\u7BA1\u7406\u5458\u53EF\u4EE5\u67E5\u770B\u8D22\u52A1\u6570\u636E\u3002",not_found:"\u8D26\u6237\u4E0D\u5B58\u5728\u6216\u672A\u5411\u60A8\u5F00\u653E\u3002",choose_account:"\u8BF7\u5728\u5361\u7247\u8BBE\u7F6E\u4E2D\u9009\u62E9\u8D26\u6237\u3002",error:"\u52A0\u8F7D\u5931\u8D25\uFF1A{error}",account:"\u8D26\u6237",title:"\u6807\u9898",period:"\u671F\u95F4",kind_recharge:"\u5145\u503C",kind_refund:"\u9000\u6B3E",kind_adjustment:"\u8C03\u6574",kind_reversal:"\u51B2\u6B63",kind_fee:"\u8D39\u7528",kind_apportion:"\u516C\u644A",kind_settlement:"\u7ED3\u7B97",kind_bill_payment:"\u8D26\u5355\u7F34\u8D39",average_daily:"\u65E5\u5747",tou:"\u5206\u65F6\u7528\u91CF",tiers:"\u9636\u68AF",tier:"\u7B2C{tier}\u6863",period_all:"\u5168\u5929",period_peak:"\u5CF0",period_flat:"\u5E73",period_valley:"\u8C37",period_sharp:"\u5C16",open:"\u6253\u5F00",close:"\u5173\u95ED"};function Ue(i){return i?.toLowerCase().startsWith("zh")?Oe:Ct}function E(i,t,e={}){return(Ue(i)[t]??Ct[t]??t).replace(/\{(\w+)\}/g,(r,n)=>n in e?String(e[n]):`{${n}}`)}var Us=Object.keys(Ct);var pt="prepaid_utility",$=class extends w{constructor(){super(...arguments);this.loading=!1}setConfig(e){if(!e)throw new Error("Invalid configuration");this.config={...e},this.data=void 0,this.loadedFor=void 0,this.isConnected&&this.hass&&this.refresh()}connectedCallback(){super.connectedCallback();let e=Math.max(this.config?.refresh_seconds??30,5);this.timer=window.setInterval(()=>{this.refresh()},e*1e3),this.hass&&this.refresh()}disconnectedCallback(){super.disconnectedCallback(),window.clearInterval(this.timer)}willUpdate(e){e.has("hass")&&this.hass&&this.loadedFor!==this.hass.user?.id&&(this.loadedFor=this.hass.user?.id,this.refresh())}async refresh(){if(!(!this.hass||this.loading||!this.config)){this.loading=!0;try{this.data=await this.fetch(this.hass),this.error=void 0}catch(e){this.error=e?.code??String(e),e?.message&&(this.error=e.message),this.onError(e)}finally{this.loading=!1}}}onError(e){}get language(){return this.hass?.locale?.language??this.hass?.language??"en"}t(e,s){return E(this.language,e,s)}money(e,s){return Qt(e,s,this.hass?.locale,this.language)}qty(e,s=2){return Xt(e,this.hass?.locale,this.language,s)}time(e){return ne(e,this.language,oe(this.hass?.locale,this.hass?.config?.time_zone))}getCardSize(){return 3}};$.baseStyles=b`
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
  `,p([_({attribute:!1})],$.prototype,"hass",2),p([g()],$.prototype,"config",2),p([g()],$.prototype,"data",2),p([g()],$.prototype,"error",2);async function ce(i,t){let e=t?.translation_key;if(e&&i.loadBackendTranslation)try{let s=t.translation_domain??pt,n=(await i.loadBackendTranslation("exceptions",s))(`component.${s}.exceptions.${e}.message`,t.translation_placeholders??{});if(n)return n}catch{}return t?.message??String(t)}var Ie=["cash","bank_transfer","online","other"],x=class extends w{constructor(){super(...arguments);this.action="recharge";this.deviceId="";this.currency="";this.exponent=2;this.accountName="";this.amount="";this.method="cash";this.reference="";this.busy=!1}connectedCallback(){super.connectedCallback(),this.reference=re(this.action==="recharge"?"CARD":"REFUND",new Date)}t(e,s){return E(this.hass?.locale?.language??this.hass?.language,e,s)}close(e={}){this.dispatchEvent(new CustomEvent("closed",{detail:e}))}async submit(e){if(e.preventDefault(),!this.hass||this.busy)return;if(!ie(this.amount,this.exponent)){this.error=this.t("invalid_amount");return}this.busy=!0,this.error=void 0;let s={device_id:this.deviceId,amount:this.amount.trim()};this.action==="recharge"?(s.order_id=this.reference,s.method=this.method):s.refund_id=this.reference;try{let r=await this.hass.callWS({type:"call_service",domain:pt,service:this.action,service_data:s,return_response:!0});this.close({balance:r?.response?.balance})}catch(r){this.error=await ce(this.hass,r)}finally{this.busy=!1}}render(){return c`<div class="scrim" @click=${e=>e.target===e.currentTarget&&this.close()}>
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
                ${Ie.map(e=>c`<option value=${e} ?selected=${e===this.method}>${this.t(`method_${e}`)}</option>`)}
              </select></label
            >`:h}
        <label
          >${this.t("reference")}
          <input name="reference" .value=${this.reference} @input=${e=>this.reference=e.target.value}
        /></label>
        ${this.error?c`<div class="error" role="alert">${this.error}</div>`:h}
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
    `],p([_({attribute:!1})],x.prototype,"hass",2),p([_()],x.prototype,"action",2),p([_()],x.prototype,"deviceId",2),p([_()],x.prototype,"currency",2),p([_({type:Number})],x.prototype,"exponent",2),p([_()],x.prototype,"accountName",2),p([g()],x.prototype,"amount",2),p([g()],x.prototype,"method",2),p([g()],x.prototype,"reference",2),p([g()],x.prototype,"busy",2),p([g()],x.prototype,"error",2);var H=class extends ${static getConfigElement(){return document.createElement("prepaid-utility-card-editor")}static async getStubConfig(t){let e={type:"custom:prepaid-utility-account-card"};try{let s=await t?.callWS({type:"prepaid_utility/rooms"});s?.accounts.length&&(e.account_id=s.accounts[0].account_id)}catch{}return e}constructor(){super(),this.config={type:"custom:prepaid-utility-account-card"}}get account(){return this.accountId??this.config?.account_id}fetch(t){return this.account?t.callWS({type:"prepaid_utility/account",account_id:this.account}):Promise.reject({code:"no_account",message:this.t("choose_account")})}onError(t){t?.code==="not_found"&&(this.error=this.t("not_found"))}getCardSize(){return 7}figures(t,e,s){let r=Object.entries(e.usage);return c`<div class="figure">
      <div class="label muted">${t}</div>
      <div class="value">${this.money(e.cost,s)}</div>
      <div class="muted">
        ${r.length?r.map(([n,o])=>c`<span>${this.qty(o)} ${T[n]??""}</span> `):c`<span>0</span>`}
      </div>
    </div>`}banner(t){if(St(t.level)<=0)return h;let s=t.level==="cut_off"||t.supply==="off";return c`<div class="banner ${s?"cut":"low"}" role="alert" style="--level:${tt(t.level)}">
      <strong>${this.t(`level_${t.level}`)}</strong> — ${s?this.t("banner_cut"):this.t("banner_low")}
    </div>`}render(){let t=this.data;if(!t)return c`<div class="card">
        <h2>${this.config?.title??this.t("account_title")}</h2>
        ${this.error?c`<div class="error">${this.error}</div>`:c`<div class="muted">…</div>`}
      </div>`;let e=se(t.days_left),s=this.hass?.user?.is_admin??!1,r=Object.entries(t.month_by_period).filter(([,n])=>Object.keys(n).length>1);return c`<div class="card">
      <div class="head">
        <div>
          <h2>${this.config?.title??t.name}</h2>
          <div class="muted">${ae(t.room,t.area,t.building)}</div>
        </div>
        <div class="state">
          <span class="pill ${t.online?"on":"off"}">${t.online?this.t("online"):this.t("offline")}</span>
          ${t.supply==="none"?h:c`<span class="pill supply ${t.supply}">${this.t(`supply_${t.supply}`)}${t.pending?` ${this.t("pending")}`:""}</span>`}
        </div>
      </div>
      ${this.banner(t)}
      <div class="big" style="color:${tt(t.level)}" data-balance=${t.balance}>
        ${this.money(t.balance,t.currency)}
      </div>
      <div class="sub muted">
        ${this.t("balance")}${e?c` · <span class="days">${this.t("days_left",{days:e})}</span>`:h}
        ${t.average_daily_cost!=="0"&&t.average_daily_cost!=="0.00"?c` · ${this.t("average_daily")} ${this.money(t.average_daily_cost,t.currency)}`:h}
      </div>
      <div class="figures">
        ${this.figures(this.t("today"),t.today,t.currency)} ${this.figures(this.t("this_month"),t.month,t.currency)}
      </div>
      ${r.length?c`<div class="tou">
            <div class="muted">${this.t("tou")}</div>
            ${r.map(([n,o])=>c`<div>
                  ${this.t(n)}:
                  ${Object.entries(o).map(([a,l])=>c`<span class="chip">${a} ${this.qty(l)} ${T[n]??""}</span>`)}
                </div>`)}
          </div>`:h}
      ${s&&t.device_id?c`<div class="actions">
            <button class="recharge" @click=${()=>this.action="recharge"}>${this.t("recharge")}</button>
            <button class="secondary refund" @click=${()=>this.action="refund"}>${this.t("refund")}</button>
          </div>`:h}
      ${this.notice?c`<div class="notice">${this.notice}</div>`:h}
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
          ></prepaid-utility-money-dialog>`:h}
    </div>`}};H.styles=[$.baseStyles,b`
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
    `],p([_({attribute:!1})],H.prototype,"accountId",2),p([g()],H.prototype,"action",2),p([g()],H.prototype,"notice",2);var j=class extends w{constructor(){super(...arguments);this.onKey=e=>{e.key==="Escape"&&this.close()}}close(){this.dispatchEvent(new CustomEvent("closed",{bubbles:!1,composed:!1}))}connectedCallback(){super.connectedCallback(),window.addEventListener("keydown",this.onKey)}disconnectedCallback(){super.disconnectedCallback(),window.removeEventListener("keydown",this.onKey)}render(){return c`<div class="scrim" @click=${e=>e.target===e.currentTarget&&this.close()}>
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
  `,p([_({attribute:!1})],j.prototype,"hass",2),p([_({attribute:!1})],j.prototype,"accountId",2);var Pe={day:30,month:365,year:3*365},K=class extends ${constructor(){super(...arguments);this.granularity="day"}static getConfigElement(){return document.createElement("prepaid-utility-card-editor")}static getStubConfig(){return{type:"custom:prepaid-utility-finance-card",granularity:"day"}}setConfig(e){super.setConfig(e),this.granularity=e.granularity??"day"}fetch(e){if(!e.user?.is_admin)return Promise.reject({code:"unauthorized",message:this.t("admin_only")});let s=new Date,r=new Date(s.getTime()-Pe[this.granularity]*864e5),n=o=>`${o.getFullYear()}-${String(o.getMonth()+1).padStart(2,"0")}-${String(o.getDate()).padStart(2,"0")}`;return e.callWS({type:"prepaid_utility/finance",granularity:this.granularity,start:n(r),end:n(s)})}onError(e){e?.code==="unauthorized"&&(this.error=this.t("admin_only"))}getCardSize(){return 6}render(){let e=this.data,s=this.config?.title??this.t("finance_title");if(!this.hass?.user?.is_admin)return c`<div class="card"><h2>${s}</h2><div class="muted denied">${this.t("admin_only")}</div></div>`;if(!e)return c`<div class="card"><h2>${s}</h2>${this.error?c`<div class="error">${this.error}</div>`:c`<div class="muted">…</div>`}</div>`;let r=Math.max(0,...e.income.map(n=>Number(n.amount)));return c`<div class="card">
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
            <td>${le(n.period)}</td>
            <td class="bar"><span style="width:${r>0?Number(n.amount)/r*100:0}%"></span></td>
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
      ${h}
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
    `],p([g()],K.prototype,"granularity",2);var z=class extends ${constructor(){super(...arguments);this.kind="electricity";this.metric="usage"}static getConfigElement(){return document.createElement("prepaid-utility-card-editor")}static getStubConfig(){return{type:"custom:prepaid-utility-reports-card",kind:"electricity",metric:"usage"}}setConfig(e){super.setConfig(e),this.kind=e.kind??"electricity",this.metric=e.metric??"usage"}fetch(e){let s={type:"prepaid_utility/monthly"};return this.config.account_id?s.account_id=this.config.account_id:this.config.building&&(s.building=this.config.building),e.callWS(s)}getCardSize(){return 5}render(){let e=this.data,s=this.config?.title??this.t("reports_title");if(!e)return c`<div class="card"><h2>${s}</h2>${this.error?c`<div class="error">${this.error}</div>`:c`<div class="muted">…</div>`}</div>`;let r=ee(e.months,this.metric,this.kind),n=this.metric==="cost"?e.currency:T[this.kind],o=d=>this.metric==="cost"?this.money(d,e.currency):`${this.qty(d)} ${n}`,a=600,l=200,m=a/12,f=m*.36,u=r.reduce((d,v)=>d+v.thisYear,0),y=r.reduce((d,v)=>d+v.lastYear,0);return c`<div class="card">
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
        <span><i class="this"></i>${this.t("this_year",{year:e.year})}: ${this.metric==="cost"?this.money(u.toFixed(2),e.currency):`${this.qty(String(u))} ${n}`}</span>
        <span><i class="last"></i>${this.t("last_year",{year:e.year-1})}: ${this.metric==="cost"?this.money(y.toFixed(2),e.currency):`${this.qty(String(y))} ${n}`}</span>
      </div>
      <svg viewBox="0 0 ${a} ${l+20}" role="img" aria-label=${s}>
        ${r.map((d,v)=>{let A=v*m+m*.12,D=Math.max(d.thisHeight*l,d.thisYear>0?1:0),V=Math.max(d.lastHeight*l,d.lastYear>0?1:0);return Ft`<g class="month" data-month=${d.month}>
            <rect class="last" x=${A} y=${l-V} width=${f} height=${V}><title>${e.year-1} ${ht(d.month,this.language)}: ${o(d.lastLabel)}</title></rect>
            <rect class="this" x=${A+f} y=${l-D} width=${f} height=${D}><title>${e.year} ${ht(d.month,this.language)}: ${o(d.thisLabel)}</title></rect>
            <text x=${v*m+m/2} y=${l+15} text-anchor="middle">${ht(d.month,this.language)}</text>
          </g>`})}
      </svg>
      ${this.split(e)}
    </div>`}periodName(e){let s=`period_${e.toLowerCase()}`,r=this.t(s);return r===s?e:r}split(e){let s=T[this.kind],r=kt(e.by_period?.[this.kind]),n=kt(e.by_tier?.[this.kind]),o=(a,l,m)=>l.length>1?c`<div class="split">
            <span class="muted">${a}</span>
            ${l.map(f=>c`<span class="chip">${m(f.key)} ${this.qty(f.value)} ${s} (${f.percent}%)</span>`)}
          </div>`:h;return c`${o(this.t("tou"),r,a=>this.periodName(a))}
    ${o(this.t("tiers"),n,a=>this.t("tier",{tier:a}))}`}};z.styles=[$.baseStyles,b`
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
      .split {
        margin-top: 6px;
        font-size: 0.85rem;
      }
      .chip {
        display: inline-block;
        margin: 2px 6px 2px 0;
        padding: 1px 8px;
        border-radius: 999px;
        background: var(--secondary-background-color, #f0f0f0);
      }
      text {
        font-size: 11px;
        fill: var(--secondary-text-color, #727272);
      }
    `],p([g()],z.prototype,"kind",2),p([g()],z.prototype,"metric",2);var de={ATTRIBUTE:1,CHILD:2,PROPERTY:3,BOOLEAN_ATTRIBUTE:4,EVENT:5,ELEMENT:6},ue=i=>(...t)=>({_$litDirective$:i,values:t}),mt=class{constructor(t){}get _$AU(){return this._$AM._$AU}_$AT(t,e,s){this._$Ct=t,this._$AM=e,this._$Ci=s}_$AS(t,e){return this.update(t,e)}update(t,e){return this.render(...e)}};var{I:je}=Vt,he=i=>i;var pe=()=>document.createComment(""),q=(i,t,e)=>{let s=i._$AA.parentNode,r=t===void 0?i._$AB:t._$AA;if(e===void 0){let n=s.insertBefore(pe(),r),o=s.insertBefore(pe(),r);e=new je(n,o,i,i.options)}else{let n=e._$AB.nextSibling,o=e._$AM,a=o!==i;if(a){let l;e._$AQ?.(i),e._$AM=i,e._$AP!==void 0&&(l=i._$AU)!==o._$AU&&e._$AP(l)}if(n!==r||a){let l=e._$AA;for(;l!==n;){let m=he(l).nextSibling;he(s).insertBefore(l,r),l=m}}}return e},L=(i,t,e=i)=>(i._$AI(t,e),i),ze={},me=(i,t=ze)=>i._$AH=t,fe=i=>i._$AH,ft=i=>{i._$AR(),i._$AA.remove()};var ge=(i,t,e)=>{let s=new Map;for(let r=t;r<=e;r++)s.set(i[r],r);return s},ye=ue(class extends mt{constructor(i){if(super(i),i.type!==de.CHILD)throw Error("repeat() can only be used in text expressions")}dt(i,t,e){let s;e===void 0?e=t:t!==void 0&&(s=t);let r=[],n=[],o=0;for(let a of i)r[o]=s?s(a,o):o,n[o]=e(a,o),o++;return{values:n,keys:r}}render(i,t,e){return this.dt(i,t,e).values}update(i,[t,e,s]){let r=fe(i),{values:n,keys:o}=this.dt(t,e,s);if(!Array.isArray(r))return this.ut=o,n;let a=this.ut??=[],l=[],m,f,u=0,y=r.length-1,d=0,v=n.length-1;for(;u<=y&&d<=v;)if(r[u]===null)u++;else if(r[y]===null)y--;else if(a[u]===o[d])l[d]=L(r[u],n[d]),u++,d++;else if(a[y]===o[v])l[v]=L(r[y],n[v]),y--,v--;else if(a[u]===o[v])l[v]=L(r[u],n[v]),q(i,l[v+1],r[u]),u++,v--;else if(a[y]===o[d])l[d]=L(r[y],n[d]),q(i,r[u],r[y]),y--,d++;else if(m===void 0&&(m=ge(o,d,v),f=ge(a,u,y)),m.has(a[u]))if(m.has(a[y])){let A=f.get(o[d]),D=A!==void 0?r[A]:null;if(D===null){let V=q(i,r[u]);L(V,n[d]),l[d]=V}else l[d]=L(D,n[d]),q(i,r[u],D),r[A]=null;d++}else ft(r[y]),y--;else ft(r[u]),u++;for(;d<=v;){let A=q(i,l[v+1]);L(A,n[d]),l[d++]=A}for(;u<=y;){let A=r[u++];A!==null&&ft(A)}return this.ut=o,me(i,l),R}});var S=class extends ${constructor(){super(...arguments);this.text="";this.floor="";this.area="";this.building="";this.sort="room";this.onlyAlarms=!1}static getConfigElement(){return document.createElement("prepaid-utility-card-editor")}static getStubConfig(){return{type:"custom:prepaid-utility-rooms-card",sort:"room"}}setConfig(e){super.setConfig(e),this.sort=e.sort??"room",this.building=e.building??"",this.floor=e.floor??"",this.area=e.area??""}fetch(e){return e.callWS({type:"prepaid_utility/rooms"})}getCardSize(){return 8}tile(e,s){let r=Object.entries(e.today.usage).map(([o,a])=>`${this.qty(a)} ${T[o]??""}`).join(" \xB7 "),n=e.supply==="none"?"":this.t(`supply_${e.supply}`);return c`<button
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
        ${this.t("today")}: ${r||"0"} · ${this.money(e.today.cost,s)}
      </div>
    </button>`}select(e,s,r,n){return r.length<2&&!s?h:c`<label
      >${e}
      <select .value=${s} @change=${o=>n(o.target.value)}>
        <option value="">${this.t("all")}</option>
        ${r.map(o=>c`<option value=${o} ?selected=${o===s}>${o}</option>`)}
      </select></label
    >`}render(){let e=this.data,s=this.config?.title??this.t("rooms_title");if(!e)return c`<div class="card"><h2>${s}</h2>
        ${this.error?c`<div class="error">${this.t("error",{error:this.error})}</div>`:c`<div class="muted">…</div>`}</div>`;let r=te(e.accounts,{building:this.building,floor:this.floor,area:this.area,text:this.text,onlyAlarms:this.onlyAlarms},this.sort);return c`<div class="card">
      <div class="head">
        <h2>${s}</h2>
        <span class="muted count">${this.t("rooms_count",{shown:r.length,total:e.accounts.length})}</span>
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
      ${r.length?c`<div class="grid">${ye(r,n=>n.account_id,n=>this.tile(n,e.currency))}</div>`:c`<div class="muted">${this.t("no_rooms")}</div>`}
      ${this.opened?c`<prepaid-utility-account-dialog
            .hass=${this.hass}
            .accountId=${this.opened}
            @closed=${()=>{this.opened=void 0,this.refresh()}}
          ></prepaid-utility-account-dialog>`:h}
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
    `],p([g()],S.prototype,"text",2),p([g()],S.prototype,"floor",2),p([g()],S.prototype,"area",2),p([g()],S.prototype,"building",2),p([g()],S.prototype,"sort",2),p([g()],S.prototype,"onlyAlarms",2),p([g()],S.prototype,"opened",2);var M=class extends w{constructor(){super(...arguments);this.rooms=[];this.asked=!1}setConfig(e){this.config={...e}}willUpdate(){this.hass&&!this.asked&&(this.asked=!0,this.hass.callWS({type:"prepaid_utility/rooms"}).then(e=>this.rooms=e.accounts).catch(()=>this.rooms=[]))}t(e){return E(this.hass?.locale?.language??this.hass?.language,e)}get kind(){return(this.config?.type??"").replace("custom:prepaid-utility-","").replace("-card","")}set(e,s){if(!this.config)return;let r={...this.config};s===""?delete r[e]:r[e]=s,this.config=r,this.dispatchEvent(new CustomEvent("config-changed",{detail:{config:r},bubbles:!0,composed:!0}))}choice(e,s,r,n){let o=String(this.config?.[e]??"");return c`<label
      >${s}
      <select data-field=${e} @change=${a=>this.set(e,a.target.value)}>
        ${n!==void 0?c`<option value="" ?selected=${o===""}>${n}</option>`:h}
        ${r.map(([a,l])=>c`<option value=${a} ?selected=${a===o}>${l}</option>`)}
      </select></label
    >`}render(){if(!this.config)return h;let e=this.rooms.map(n=>[n.account_id,[n.room,n.name,n.building].filter(Boolean).join(" \xB7 ")]),s=n=>F(this.rooms,n).map(o=>[o,o]),r=this.kind;return c`<div class="editor">
      <label
        >${this.t("title")}
        <input
          data-field="title"
          .value=${this.config.title??""}
          @change=${n=>this.set("title",n.target.value)}
      /></label>
      ${r==="account"?this.choice("account_id",this.t("account"),e,"\u2014"):h}
      ${r==="reports"?this.choice("account_id",this.t("account"),e,this.t("all")):h}
      ${r==="reports"&&!this.config.account_id?this.choice("building",this.t("building"),s("building"),this.t("all")):h}
      ${r==="reports"?c`${this.choice("kind",this.t("kind"),[["electricity",this.t("electricity")],["water",this.t("water")]])}
          ${this.choice("metric",this.t("metric"),[["usage",this.t("usage")],["cost",this.t("cost")]])}`:h}
      ${r==="rooms"?c`${this.choice("building",this.t("building"),s("building"),this.t("all"))}
          ${this.choice("floor",this.t("floor"),s("floor"),this.t("all"))}
          ${this.choice("area",this.t("area"),s("area"),this.t("all"))}
          ${this.choice("sort",this.t("sort"),[["room",this.t("sort_room")],["balance",this.t("sort_balance")],["name",this.t("sort_name")]])}`:h}
      ${r==="finance"?this.choice("granularity",this.t("granularity"),[["day",this.t("granularity_day")],["month",this.t("granularity_month")],["year",this.t("granularity_year")]]):h}
    </div>`}};M.styles=b`
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
  `,p([_({attribute:!1})],M.prototype,"hass",2),p([g()],M.prototype,"config",2),p([g()],M.prototype,"rooms",2);function ve(i,t,e){return t?{views:[{title:E(e,"rooms_title"),path:"rooms",type:"panel",cards:[{type:"custom:prepaid-utility-rooms-card"}]},{title:E(e,"reports_title"),path:"reports",cards:[{type:"custom:prepaid-utility-reports-card",kind:"electricity"},{type:"custom:prepaid-utility-reports-card",kind:"water"}]},{title:E(e,"finance_title"),path:"finance",cards:[{type:"custom:prepaid-utility-finance-card"}]}]}:{views:i.accounts.map(s=>({title:s.room||s.name,path:`account-${s.account_id.toLowerCase()}`,cards:[{type:"custom:prepaid-utility-account-card",account_id:s.account_id},{type:"custom:prepaid-utility-reports-card",account_id:s.account_id}]}))}}var gt=class extends HTMLElement{static async generate(t,e){let s=await e.callWS({type:"prepaid_utility/rooms"}),r=e.locale?.language??e.language;return ve(s,e.user?.is_admin??!1,r)}};var De="0.1.0",Be=[["prepaid-utility-rooms-card",S],["prepaid-utility-account-card",H],["prepaid-utility-reports-card",z],["prepaid-utility-finance-card",K],["prepaid-utility-account-dialog",j],["prepaid-utility-money-dialog",x],["prepaid-utility-card-editor",M],["ll-strategy-dashboard-prepaid-utility",gt]],Fe=[{type:"prepaid-utility-rooms-card",name:"Prepaid Utility: Rooms",description:"Every room's balance, supply and today's usage (landlord)."},{type:"prepaid-utility-account-card",name:"Prepaid Utility: Account",description:"One account's balance, days left, usage and recent entries (resident)."},{type:"prepaid-utility-reports-card",name:"Prepaid Utility: Monthly report",description:"Usage and cost per month beside last year."},{type:"prepaid-utility-finance-card",name:"Prepaid Utility: Finance",description:"Income, recharges, refunds and debts (administrators)."}];for(let[i,t]of Be)customElements.get(i)||customElements.define(i,t);window.customCards=window.customCards??[];for(let i of Fe)window.customCards.some(t=>t.type===i.type)||window.customCards.push({...i,preview:!1});console.info(`%c PREPAID-UTILITY-CARDS %c ${De} `,"color:#fff;background:#1976d2","color:#1976d2");export{Fe as CARDS,De as VERSION};
