var xe=Object.defineProperty;var we=Object.getOwnPropertyDescriptor;var p=(r,t,e,s)=>{for(var i=s>1?void 0:s?we(t,e):t,n=r.length-1,o;n>=0;n--)(o=r[n])&&(i=(s?o(t,e,i):o(i))||i);return s&&i&&xe(t,e,i),i};var et=globalThis,st=et.ShadowRoot&&(et.ShadyCSS===void 0||et.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,yt=Symbol(),Lt=new WeakMap,W=class{constructor(t,e,s){if(this._$cssResult$=!0,s!==yt)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=t,this.t=e}get styleSheet(){let t=this.o,e=this.t;if(st&&t===void 0){let s=e!==void 0&&e.length===1;s&&(t=Lt.get(e)),t===void 0&&((this.o=t=new CSSStyleSheet).replaceSync(this.cssText),s&&Lt.set(e,t))}return t}toString(){return this.cssText}},Nt=r=>new W(typeof r=="string"?r:r+"",void 0,yt),b=(r,...t)=>{let e=r.length===1?r[0]:t.reduce((s,i,n)=>s+(o=>{if(o._$cssResult$===!0)return o.cssText;if(typeof o=="number")return o;throw Error("Value passed to 'css' function must be a 'css' function result: "+o+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(i)+r[n+1],r[0]);return new W(e,r,yt)},Ot=(r,t)=>{if(st)r.adoptedStyleSheets=t.map(e=>e instanceof CSSStyleSheet?e:e.styleSheet);else for(let e of t){let s=document.createElement("style"),i=et.litNonce;i!==void 0&&s.setAttribute("nonce",i),s.textContent=e.cssText,r.appendChild(s)}},$t=st?r=>r:r=>r instanceof CSSStyleSheet?(t=>{let e="";for(let s of t.cssRules)e+=s.cssText;return Nt(e)})(r):r;var{is:Ae,defineProperty:Ee,getOwnPropertyDescriptor:Se,getOwnPropertyNames:ke,getOwnPropertySymbols:Ce,getPrototypeOf:Re}=Object,it=globalThis,Ut=it.trustedTypes,Te=Ut?Ut.emptyScript:"",He=it.reactiveElementPolyfillSupport,Y=(r,t)=>r,Z={toAttribute(r,t){switch(t){case Boolean:r=r?Te:null;break;case Object:case Array:r=r==null?r:JSON.stringify(r)}return r},fromAttribute(r,t){let e=r;switch(t){case Boolean:e=r!==null;break;case Number:e=r===null?null:Number(r);break;case Object:case Array:try{e=JSON.parse(r)}catch{e=null}}return e}},rt=(r,t)=>!Ae(r,t),It={attribute:!0,type:String,converter:Z,reflect:!1,useDefault:!1,hasChanged:rt};Symbol.metadata??=Symbol("metadata"),it.litPropertyMetadata??=new WeakMap;var R=class extends HTMLElement{static addInitializer(t){this._$Ei(),(this.l??=[]).push(t)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(t,e=It){if(e.state&&(e.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(t)&&((e=Object.create(e)).wrapped=!0),this.elementProperties.set(t,e),!e.noAccessor){let s=Symbol(),i=this.getPropertyDescriptor(t,s,e);i!==void 0&&Ee(this.prototype,t,i)}}static getPropertyDescriptor(t,e,s){let{get:i,set:n}=Se(this.prototype,t)??{get(){return this[e]},set(o){this[e]=o}};return{get:i,set(o){let a=i?.call(this);n?.call(this,o),this.requestUpdate(t,a,s)},configurable:!0,enumerable:!0}}static getPropertyOptions(t){return this.elementProperties.get(t)??It}static _$Ei(){if(this.hasOwnProperty(Y("elementProperties")))return;let t=Re(this);t.finalize(),t.l!==void 0&&(this.l=[...t.l]),this.elementProperties=new Map(t.elementProperties)}static finalize(){if(this.hasOwnProperty(Y("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(Y("properties"))){let e=this.properties,s=[...ke(e),...Ce(e)];for(let i of s)this.createProperty(i,e[i])}let t=this[Symbol.metadata];if(t!==null){let e=litPropertyMetadata.get(t);if(e!==void 0)for(let[s,i]of e)this.elementProperties.set(s,i)}this._$Eh=new Map;for(let[e,s]of this.elementProperties){let i=this._$Eu(e,s);i!==void 0&&this._$Eh.set(i,e)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(t){let e=[];if(Array.isArray(t)){let s=new Set(t.flat(1/0).reverse());for(let i of s)e.unshift($t(i))}else t!==void 0&&e.push($t(t));return e}static _$Eu(t,e){let s=e.attribute;return s===!1?void 0:typeof s=="string"?s:typeof t=="string"?t.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(t=>this.enableUpdating=t),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(t=>t(this))}addController(t){(this._$EO??=new Set).add(t),this.renderRoot!==void 0&&this.isConnected&&t.hostConnected?.()}removeController(t){this._$EO?.delete(t)}_$E_(){let t=new Map,e=this.constructor.elementProperties;for(let s of e.keys())this.hasOwnProperty(s)&&(t.set(s,this[s]),delete this[s]);t.size>0&&(this._$Ep=t)}createRenderRoot(){let t=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return Ot(t,this.constructor.elementStyles),t}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(t=>t.hostConnected?.())}enableUpdating(t){}disconnectedCallback(){this._$EO?.forEach(t=>t.hostDisconnected?.())}attributeChangedCallback(t,e,s){this._$AK(t,s)}_$ET(t,e){let s=this.constructor.elementProperties.get(t),i=this.constructor._$Eu(t,s);if(i!==void 0&&s.reflect===!0){let n=(s.converter?.toAttribute!==void 0?s.converter:Z).toAttribute(e,s.type);this._$Em=t,n==null?this.removeAttribute(i):this.setAttribute(i,n),this._$Em=null}}_$AK(t,e){let s=this.constructor,i=s._$Eh.get(t);if(i!==void 0&&this._$Em!==i){let n=s.getPropertyOptions(i),o=typeof n.converter=="function"?{fromAttribute:n.converter}:n.converter?.fromAttribute!==void 0?n.converter:Z;this._$Em=i;let a=o.fromAttribute(e,n.type);this[i]=a??this._$Ej?.get(i)??a,this._$Em=null}}requestUpdate(t,e,s,i=!1,n){if(t!==void 0){let o=this.constructor;if(i===!1&&(n=this[t]),s??=o.getPropertyOptions(t),!((s.hasChanged??rt)(n,e)||s.useDefault&&s.reflect&&n===this._$Ej?.get(t)&&!this.hasAttribute(o._$Eu(t,s))))return;this.C(t,e,s)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(t,e,{useDefault:s,reflect:i,wrapped:n},o){s&&!(this._$Ej??=new Map).has(t)&&(this._$Ej.set(t,o??e??this[t]),n!==!0||o!==void 0)||(this._$AL.has(t)||(this.hasUpdated||s||(e=void 0),this._$AL.set(t,e)),i===!0&&this._$Em!==t&&(this._$Eq??=new Set).add(t))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(e){Promise.reject(e)}let t=this.scheduleUpdate();return t!=null&&await t,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[i,n]of this._$Ep)this[i]=n;this._$Ep=void 0}let s=this.constructor.elementProperties;if(s.size>0)for(let[i,n]of s){let{wrapped:o}=n,a=this[i];o!==!0||this._$AL.has(i)||a===void 0||this.C(i,void 0,n,a)}}let t=!1,e=this._$AL;try{t=this.shouldUpdate(e),t?(this.willUpdate(e),this._$EO?.forEach(s=>s.hostUpdate?.()),this.update(e)):this._$EM()}catch(s){throw t=!1,this._$EM(),s}t&&this._$AE(e)}willUpdate(t){}_$AE(t){this._$EO?.forEach(e=>e.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(t)),this.updated(t)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(t){return!0}update(t){this._$Eq&&=this._$Eq.forEach(e=>this._$ET(e,this[e])),this._$EM()}updated(t){}firstUpdated(t){}};R.elementStyles=[],R.shadowRootOptions={mode:"open"},R[Y("elementProperties")]=new Map,R[Y("finalized")]=new Map,He?.({ReactiveElement:R}),(it.reactiveElementVersions??=[]).push("2.1.2");var _t=globalThis,Pt=r=>r,nt=_t.trustedTypes,zt=nt?nt.createPolicy("lit-html",{createHTML:r=>r}):void 0,bt="$lit$",T=`lit$${Math.random().toFixed(9).slice(2)}$`,xt="?"+T,Me=`<${xt}>`,U=document,J=()=>U.createComment(""),Q=r=>r===null||typeof r!="object"&&typeof r!="function",wt=Array.isArray,Kt=r=>wt(r)||typeof r?.[Symbol.iterator]=="function",vt=`[ 	
\f\r]`,G=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,jt=/-->/g,Dt=/>/g,N=RegExp(`>|${vt}(?:([^\\s"'>=/]+)(${vt}*=${vt}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),qt=/'/g,Ft=/"/g,Vt=/^(?:script|style|textarea|title)$/i,At=r=>(t,...e)=>({_$litType$:r,strings:t,values:e}),c=At(1),Wt=At(2),Qe=At(3),H=Symbol.for("lit-noChange"),h=Symbol.for("lit-nothing"),Bt=new WeakMap,O=U.createTreeWalker(U,129);function Yt(r,t){if(!wt(r)||!r.hasOwnProperty("raw"))throw Error("invalid template strings array");return zt!==void 0?zt.createHTML(t):t}var Zt=(r,t)=>{let e=r.length-1,s=[],i,n=t===2?"<svg>":t===3?"<math>":"",o=G;for(let a=0;a<e;a++){let l=r[a],m,g,u=-1,y=0;for(;y<l.length&&(o.lastIndex=y,g=o.exec(l),g!==null);)y=o.lastIndex,o===G?g[1]==="!--"?o=jt:g[1]!==void 0?o=Dt:g[2]!==void 0?(Vt.test(g[2])&&(i=RegExp("</"+g[2],"g")),o=N):g[3]!==void 0&&(o=N):o===N?g[0]===">"?(o=i??G,u=-1):g[1]===void 0?u=-2:(u=o.lastIndex-g[2].length,m=g[1],o=g[3]===void 0?N:g[3]==='"'?Ft:qt):o===Ft||o===qt?o=N:o===jt||o===Dt?o=G:(o=N,i=void 0);let d=o===N&&r[a+1].startsWith("/>")?" ":"";n+=o===G?l+Me:u>=0?(s.push(m),l.slice(0,u)+bt+l.slice(u)+T+d):l+T+(u===-2?a:d)}return[Yt(r,n+(r[e]||"<?>")+(t===2?"</svg>":t===3?"</math>":"")),s]},X=class r{constructor({strings:t,_$litType$:e},s){let i;this.parts=[];let n=0,o=0,a=t.length-1,l=this.parts,[m,g]=Zt(t,e);if(this.el=r.createElement(m,s),O.currentNode=this.el.content,e===2||e===3){let u=this.el.content.firstChild;u.replaceWith(...u.childNodes)}for(;(i=O.nextNode())!==null&&l.length<a;){if(i.nodeType===1){if(i.hasAttributes())for(let u of i.getAttributeNames())if(u.endsWith(bt)){let y=g[o++],d=i.getAttribute(u).split(T),$=/([.?@])?(.*)/.exec(y);l.push({type:1,index:n,name:$[2],strings:d,ctor:$[1]==="."?at:$[1]==="?"?lt:$[1]==="@"?ct:P}),i.removeAttribute(u)}else u.startsWith(T)&&(l.push({type:6,index:n}),i.removeAttribute(u));if(Vt.test(i.tagName)){let u=i.textContent.split(T),y=u.length-1;if(y>0){i.textContent=nt?nt.emptyScript:"";for(let d=0;d<y;d++)i.append(u[d],J()),O.nextNode(),l.push({type:2,index:++n});i.append(u[y],J())}}}else if(i.nodeType===8)if(i.data===xt)l.push({type:2,index:n});else{let u=-1;for(;(u=i.data.indexOf(T,u+1))!==-1;)l.push({type:7,index:n}),u+=T.length-1}n++}}static createElement(t,e){let s=U.createElement("template");return s.innerHTML=t,s}};function I(r,t,e=r,s){if(t===H)return t;let i=s!==void 0?e._$Co?.[s]:e._$Cl,n=Q(t)?void 0:t._$litDirective$;return i?.constructor!==n&&(i?._$AO?.(!1),n===void 0?i=void 0:(i=new n(r),i._$AT(r,e,s)),s!==void 0?(e._$Co??=[])[s]=i:e._$Cl=i),i!==void 0&&(t=I(r,i._$AS(r,t.values),i,s)),t}var ot=class{constructor(t,e){this._$AV=[],this._$AN=void 0,this._$AD=t,this._$AM=e}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(t){let{el:{content:e},parts:s}=this._$AD,i=(t?.creationScope??U).importNode(e,!0);O.currentNode=i;let n=O.nextNode(),o=0,a=0,l=s[0];for(;l!==void 0;){if(o===l.index){let m;l.type===2?m=new q(n,n.nextSibling,this,t):l.type===1?m=new l.ctor(n,l.name,l.strings,this,t):l.type===6&&(m=new dt(n,this,t)),this._$AV.push(m),l=s[++a]}o!==l?.index&&(n=O.nextNode(),o++)}return O.currentNode=U,i}p(t){let e=0;for(let s of this._$AV)s!==void 0&&(s.strings!==void 0?(s._$AI(t,s,e),e+=s.strings.length-2):s._$AI(t[e])),e++}},q=class r{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(t,e,s,i){this.type=2,this._$AH=h,this._$AN=void 0,this._$AA=t,this._$AB=e,this._$AM=s,this.options=i,this._$Cv=i?.isConnected??!0}get parentNode(){let t=this._$AA.parentNode,e=this._$AM;return e!==void 0&&t?.nodeType===11&&(t=e.parentNode),t}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(t,e=this){t=I(this,t,e),Q(t)?t===h||t==null||t===""?(this._$AH!==h&&this._$AR(),this._$AH=h):t!==this._$AH&&t!==H&&this._(t):t._$litType$!==void 0?this.$(t):t.nodeType!==void 0?this.T(t):Kt(t)?this.k(t):this._(t)}O(t){return this._$AA.parentNode.insertBefore(t,this._$AB)}T(t){this._$AH!==t&&(this._$AR(),this._$AH=this.O(t))}_(t){this._$AH!==h&&Q(this._$AH)?this._$AA.nextSibling.data=t:this.T(U.createTextNode(t)),this._$AH=t}$(t){let{values:e,_$litType$:s}=t,i=typeof s=="number"?this._$AC(t):(s.el===void 0&&(s.el=X.createElement(Yt(s.h,s.h[0]),this.options)),s);if(this._$AH?._$AD===i)this._$AH.p(e);else{let n=new ot(i,this),o=n.u(this.options);n.p(e),this.T(o),this._$AH=n}}_$AC(t){let e=Bt.get(t.strings);return e===void 0&&Bt.set(t.strings,e=new X(t)),e}k(t){wt(this._$AH)||(this._$AH=[],this._$AR());let e=this._$AH,s,i=0;for(let n of t)i===e.length?e.push(s=new r(this.O(J()),this.O(J()),this,this.options)):s=e[i],s._$AI(n),i++;i<e.length&&(this._$AR(s&&s._$AB.nextSibling,i),e.length=i)}_$AR(t=this._$AA.nextSibling,e){for(this._$AP?.(!1,!0,e);t!==this._$AB;){let s=Pt(t).nextSibling;Pt(t).remove(),t=s}}setConnected(t){this._$AM===void 0&&(this._$Cv=t,this._$AP?.(t))}},P=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(t,e,s,i,n){this.type=1,this._$AH=h,this._$AN=void 0,this.element=t,this.name=e,this._$AM=i,this.options=n,s.length>2||s[0]!==""||s[1]!==""?(this._$AH=Array(s.length-1).fill(new String),this.strings=s):this._$AH=h}_$AI(t,e=this,s,i){let n=this.strings,o=!1;if(n===void 0)t=I(this,t,e,0),o=!Q(t)||t!==this._$AH&&t!==H,o&&(this._$AH=t);else{let a=t,l,m;for(t=n[0],l=0;l<n.length-1;l++)m=I(this,a[s+l],e,l),m===H&&(m=this._$AH[l]),o||=!Q(m)||m!==this._$AH[l],m===h?t=h:t!==h&&(t+=(m??"")+n[l+1]),this._$AH[l]=m}o&&!i&&this.j(t)}j(t){t===h?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,t??"")}},at=class extends P{constructor(){super(...arguments),this.type=3}j(t){this.element[this.name]=t===h?void 0:t}},lt=class extends P{constructor(){super(...arguments),this.type=4}j(t){this.element.toggleAttribute(this.name,!!t&&t!==h)}},ct=class extends P{constructor(t,e,s,i,n){super(t,e,s,i,n),this.type=5}_$AI(t,e=this){if((t=I(this,t,e,0)??h)===H)return;let s=this._$AH,i=t===h&&s!==h||t.capture!==s.capture||t.once!==s.once||t.passive!==s.passive,n=t!==h&&(s===h||i);i&&this.element.removeEventListener(this.name,this,s),n&&this.element.addEventListener(this.name,this,t),this._$AH=t}handleEvent(t){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,t):this._$AH.handleEvent(t)}},dt=class{constructor(t,e,s){this.element=t,this.type=6,this._$AN=void 0,this._$AM=e,this.options=s}get _$AU(){return this._$AM._$AU}_$AI(t){I(this,t)}},Gt={M:bt,P:T,A:xt,C:1,L:Zt,R:ot,D:Kt,V:I,I:q,H:P,N:lt,U:ct,B:at,F:dt},Le=_t.litHtmlPolyfillSupport;Le?.(X,q),(_t.litHtmlVersions??=[]).push("3.3.3");var Jt=(r,t,e)=>{let s=e?.renderBefore??t,i=s._$litPart$;if(i===void 0){let n=e?.renderBefore??null;s._$litPart$=i=new q(t.insertBefore(J(),n),n,void 0,e??{})}return i._$AI(r),i};var Et=globalThis,w=class extends R{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let t=super.createRenderRoot();return this.renderOptions.renderBefore??=t.firstChild,t}update(t){let e=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(t),this._$Do=Jt(e,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return H}};w._$litElement$=!0,w.finalized=!0,Et.litElementHydrateSupport?.({LitElement:w});var Ne=Et.litElementPolyfillSupport;Ne?.({LitElement:w});(Et.litElementVersions??=[]).push("4.2.2");var Oe={attribute:!0,type:String,converter:Z,reflect:!1,hasChanged:rt},Ue=(r=Oe,t,e)=>{let{kind:s,metadata:i}=e,n=globalThis.litPropertyMetadata.get(i);if(n===void 0&&globalThis.litPropertyMetadata.set(i,n=new Map),s==="setter"&&((r=Object.create(r)).wrapped=!0),n.set(e.name,r),s==="accessor"){let{name:o}=e;return{set(a){let l=t.get.call(this);t.set.call(this,a),this.requestUpdate(o,l,r,!0,a)},init(a){return a!==void 0&&this.C(o,void 0,r,a),a}}}if(s==="setter"){let{name:o}=e;return function(a){let l=this[o];t.call(this,a),this.requestUpdate(o,l,r,!0,a)}}throw Error("Unsupported decorator location: "+s)};function _(r){return(t,e)=>typeof e=="object"?Ue(r,t,e):((s,i,n)=>{let o=i.hasOwnProperty(n);return i.constructor.createProperty(n,s),o?Object.getOwnPropertyDescriptor(i,n):void 0})(r,t,e)}function f(r){return _({...r,state:!0,attribute:!1})}function St(r,t){switch(r?.number_format){case"comma_decimal":return"en-US";case"decimal_comma":return"de-DE";case"space_comma":return"fr-FR";case"system":return;default:return r?.language||t||void 0}}var Qt=new Map;function kt(r,t){let e=`${r??""}|${JSON.stringify(t)}`,s=Qt.get(e);return s||(s=new Intl.NumberFormat(r,t),Qt.set(e,s)),s}function Ct(r){return r?.number_format!=="none"}function Xt(r,t,e,s="en"){return r==null||r===""?"\u2014":kt(St(e,s),{style:"currency",currency:t||"EUR",useGrouping:Ct(e)}).format(r)}function te(r,t,e="en",s=2){return r==null||r===""?"\u2014":kt(St(t,e),{minimumFractionDigits:0,maximumFractionDigits:s,useGrouping:Ct(t)}).format(r)}var k={electricity:"kWh",water:"m\xB3",gas:"m\xB3"},Ie=["normal","low_1","low_2","low_3","arrears","cut_off"];function tt(r){switch(r){case"normal":return"var(--success-color, #43a047)";case"low_1":return"var(--warning-color, #ffa000)";case"low_2":return"#f57c00";case"low_3":return"#e64a19";case"arrears":case"cut_off":return"var(--error-color, #db4437)";default:return"var(--secondary-text-color, #727272)"}}function Rt(r){return r?Ie.indexOf(r):-1}function ee(r,t,e="room"){let s=(t.text??"").trim().toLowerCase(),i=r.filter(a=>(!t.building||a.building===t.building)&&(!t.floor||a.floor===t.floor)&&(!t.area||a.area===t.area)&&(!t.onlyAlarms||Rt(a.level)>0)&&(!s||`${a.name} ${a.room} ${a.area??""}`.toLowerCase().includes(s))),n=new Intl.Collator(void 0,{numeric:!0,sensitivity:"base"}),o=(a,l)=>n.compare(a.building,l.building)||n.compare(a.room,l.room)||n.compare(a.name,l.name);return e==="balance"?i.sort((a,l)=>{let m=a.balance_minor??Number.POSITIVE_INFINITY,g=l.balance_minor??Number.POSITIVE_INFINITY;return m-g||o(a,l)}):e==="name"?i.sort((a,l)=>n.compare(a.name,l.name)||o(a,l)):i.sort(o),i}function F(r,t){let e=new Set;for(let s of r){let i=s[t];i&&e.add(i)}return[...e].sort(new Intl.Collator(void 0,{numeric:!0}).compare)}function se(r,t,e){let s=o=>{let a=t==="cost"?o.cost:o.usage[e]??"0";return[Number(a),a]},i=r.map(o=>({month:o.month,t:s(o.this_year),l:s(o.last_year)})),n=Math.max(0,...i.flatMap(o=>[o.t[0],o.l[0]]));return i.map(o=>({month:o.month,thisYear:o.t[0],lastYear:o.l[0],thisHeight:n>0?o.t[0]/n:0,lastHeight:n>0?o.l[0]/n:0,thisLabel:o.t[1],lastLabel:o.l[1]}))}function ie(r){return r==null||!Number.isFinite(r)?null:r<1?"<1":String(Math.floor(r))}function re(r,t,e=Math.random){let s=t.toISOString().replace(/[-:TZ.]/g,"").slice(0,14),i=Math.floor(e()*36**6).toString(36).padStart(6,"0");return`${r}-${s}-${i}`}function ne(r,t){let e=r.trim();return(t>0?new RegExp(`^\\d{1,7}(\\.\\d{1,${t}})?$`):/^\d{1,7}$/).test(e)&&Number(e)>0}function ut(r,t){return new Intl.DateTimeFormat(t,{month:"short",timeZone:"UTC"}).format(new Date(Date.UTC(2e3,r-1,1)))}function oe(r,t,e){return new Intl.DateTimeFormat(t,{dateStyle:"short",timeStyle:"short",timeZone:e}).format(new Date(r))}function ae(r,t){return r?.time_zone==="local"?void 0:t||void 0}function le(...r){let t=[];for(let e of r)e&&!t.includes(e)&&t.push(e);return t.join(" \xB7 ")}function ce(r){return r.length===8?`${r.slice(0,4)}-${r.slice(4,6)}-${r.slice(6)}`:r.length===6?`${r.slice(0,4)}-${r.slice(4)}`:r}function Tt(r){let t=Object.entries(r??{}),e=t.reduce((s,[,i])=>s+Number(i),0);return t.map(([s,i])=>({key:s,value:i,percent:e>0?Math.round(Number(i)/e*100):0})).sort((s,i)=>Number(i.value)-Number(s.value)||s.key.localeCompare(i.key))}function de(r,t,e){return`/api/prepaid_utility/statement/${encodeURIComponent(r)}/${t}.${e}`}function Ht(r,t=12){let e=Math.floor(r/1e4)*12+Math.floor(r/100)%100-1,s=[];for(let i=0;i<t;i++){let n=e-i;s.push(`${Math.floor(n/12)}-${String(n%12+1).padStart(2,"0")}`)}return s}function he(r,t,e="en"){return r==null||!Number.isFinite(r)?"\u2014":kt(St(t,e),{style:"percent",minimumFractionDigits:0,maximumFractionDigits:1,useGrouping:Ct(t)}).format(r/1e3)}var Mt={rooms_title:"Rooms",account_title:"Account",reports_title:"Monthly report",finance_title:"Finance",balance:"Balance",today:"Today",this_month:"This month",usage:"Usage",cost:"Cost",days_left:"About {days} days left",days_left_label:"Days left",online:"Online",offline:"Offline",supply_on:"Supply on",supply_off:"Supply off",supply_unknown:"Supply unknown",supply_none:"No switch",pending:"switching\u2026",level_normal:"Normal",level_low_1:"Low balance",level_low_2:"Very low balance",level_low_3:"Last warning: top up now",level_arrears:"In arrears",level_cut_off:"Supply cut off",banner_low:"Balance is low: please top up.",banner_cut:"Supply is cut off until the account is topped up.",search:"Search",all:"All",building:"Building",floor:"Floor",area:"Area",sort:"Sort",sort_room:"Room",sort_balance:"Balance",sort_name:"Name",only_alarms:"Only alarms",rooms_count:"{shown} of {total} rooms",no_rooms:"No accounts to show.",recent:"Recent entries",no_entries:"No entries yet.",recharge:"Recharge",refund:"Refund",amount:"Amount",method:"Method",method_cash:"Cash",method_bank_transfer:"Bank transfer",method_online:"Online",method_other:"Other",reference:"Reference",cancel:"Cancel",confirm:"Confirm",invalid_amount:"Enter a positive amount.",done:"Done: new balance {balance}",this_year:"{year}",last_year:"{year}",electricity:"Electricity",water:"Water",kind:"Utility",metric:"Show",total:"Total",income:"Income",refunds:"Refunds",debtors:"Accounts in debt",no_debtors:"No account is in debt.",movements:"Recharges and refunds",granularity:"Per",granularity_day:"Day",granularity_month:"Month",granularity_year:"Year",admin_only:"Only administrators can see finance figures.",not_found:"Account not found or not shared with you.",choose_account:"Choose an account in the card's settings.",error:"Could not load: {error}",account:"Account",title:"Title",period:"Period",kind_recharge:"Recharge",kind_refund:"Refund",kind_adjustment:"Adjustment",kind_reversal:"Reversal",kind_fee:"Fee",kind_apportion:"Shared area",kind_settlement:"Settlement",kind_bill_payment:"Bill payment",average_daily:"Average per day",tou:"Time of use",tiers:"Tiers",tier:"Tier {tier}",period_all:"All day",period_peak:"Peak",period_flat:"Flat",period_valley:"Valley",period_sharp:"Sharp peak",open:"Open",close:"Close",statement:"Statement",statement_csv:"CSV",statement_month:"Month",statement_failed:"Could not open the statement: {error}",splits:"Shared-area splits",no_splits:"No shared-area split in this span.",split_period:"Period",split_master:"Master meter",split_amount:"Amount",split_quantities:"master {master} \u2212 sub-meters {subs} = pool {pool}",split_loss:"Loss",split_accounts:"Accounts",split_method_area:"by floor area",split_method_usage:"by usage",split_method_equal:"equally",split_billed:"billed"},Pe={rooms_title:"\u623F\u95F4",account_title:"\u8D26\u6237",reports_title:"\u6708\u5EA6\u62A5\u8868",finance_title:"\u8D22\u52A1",balance:"\u4F59\u989D",today:"\u4ECA\u65E5",this_month:"\u672C\u6708",usage:"\u7528\u91CF",cost:"\u8D39\u7528",days_left:"\u7EA6\u53EF\u7528 {days} \u5929",days_left_label:"\u53EF\u7528\u5929\u6570",online:"\u5728\u7EBF",offline:"\u79BB\u7EBF",supply_on:"\u4F9B\u7535/\u4F9B\u6C34\u4E2D",supply_off:"\u5DF2\u65AD\u5F00",supply_unknown:"\u72B6\u6001\u672A\u77E5",supply_none:"\u65E0\u5F00\u5173",pending:"\u5207\u6362\u4E2D\u2026",level_normal:"\u6B63\u5E38",level_low_1:"\u4F59\u989D\u504F\u4F4E",level_low_2:"\u4F59\u989D\u5F88\u4F4E",level_low_3:"\u6700\u540E\u63D0\u9192\uFF1A\u8BF7\u7ACB\u5373\u5145\u503C",level_arrears:"\u6B20\u8D39",level_cut_off:"\u5DF2\u65AD\u4F9B",banner_low:"\u4F59\u989D\u4E0D\u8DB3\uFF0C\u8BF7\u5C3D\u5FEB\u5145\u503C\u3002",banner_cut:"\u5DF2\u65AD\u4F9B\uFF0C\u5145\u503C\u540E\u81EA\u52A8\u6062\u590D\u3002",search:"\u641C\u7D22",all:"\u5168\u90E8",building:"\u697C\u680B",floor:"\u697C\u5C42",area:"\u533A\u57DF",sort:"\u6392\u5E8F",sort_room:"\u623F\u95F4",sort_balance:"\u4F59\u989D",sort_name:"\u59D3\u540D",only_alarms:"\u53EA\u770B\u544A\u8B66",rooms_count:"\u663E\u793A {shown} / {total} \u4E2A\u623F\u95F4",no_rooms:"\u6CA1\u6709\u53EF\u663E\u793A\u7684\u8D26\u6237\u3002",recent:"\u6700\u8FD1\u8BB0\u5F55",no_entries:"\u6682\u65E0\u8BB0\u5F55\u3002",recharge:"\u5145\u503C",refund:"\u9000\u6B3E",amount:"\u91D1\u989D",method:"\u65B9\u5F0F",method_cash:"\u73B0\u91D1",method_bank_transfer:"\u94F6\u884C\u8F6C\u8D26",method_online:"\u5728\u7EBF\u652F\u4ED8",method_other:"\u5176\u4ED6",reference:"\u5355\u53F7",cancel:"\u53D6\u6D88",confirm:"\u786E\u8BA4",invalid_amount:"\u8BF7\u8F93\u5165\u6B63\u6570\u91D1\u989D\u3002",done:"\u6210\u529F\uFF1A\u65B0\u4F59\u989D {balance}",this_year:"{year}\u5E74",last_year:"{year}\u5E74",electricity:"\u7535",water:"\u6C34",kind:"\u7C7B\u578B",metric:"\u663E\u793A",total:"\u5408\u8BA1",income:"\u6536\u5165",refunds:"\u9000\u6B3E",debtors:"\u6B20\u8D39\u8D26\u6237",no_debtors:"\u6CA1\u6709\u6B20\u8D39\u8D26\u6237\u3002",movements:"\u5145\u503C\u4E0E\u9000\u6B3E",granularity:"\u6309",granularity_day:"\u65E5",granularity_month:"\u6708",granularity_year:"\u5E74",admin_only:"\u53EA\u6709\u7BA1\u7406\u5458\u53EF\u4EE5\u67E5\u770B\u8D22\u52A1\u6570\u636E\u3002",not_found:"\u8D26\u6237\u4E0D\u5B58\u5728\u6216\u672A\u5411\u60A8\u5F00\u653E\u3002",choose_account:"\u8BF7\u5728\u5361\u7247\u8BBE\u7F6E\u4E2D\u9009\u62E9\u8D26\u6237\u3002",error:"\u52A0\u8F7D\u5931\u8D25\uFF1A{error}",account:"\u8D26\u6237",title:"\u6807\u9898",period:"\u671F\u95F4",kind_recharge:"\u5145\u503C",kind_refund:"\u9000\u6B3E",kind_adjustment:"\u8C03\u6574",kind_reversal:"\u51B2\u6B63",kind_fee:"\u8D39\u7528",kind_apportion:"\u516C\u644A",kind_settlement:"\u7ED3\u7B97",kind_bill_payment:"\u8D26\u5355\u7F34\u8D39",average_daily:"\u65E5\u5747",tou:"\u5206\u65F6\u7528\u91CF",tiers:"\u9636\u68AF",tier:"\u7B2C{tier}\u6863",period_all:"\u5168\u5929",period_peak:"\u5CF0",period_flat:"\u5E73",period_valley:"\u8C37",period_sharp:"\u5C16",open:"\u6253\u5F00",close:"\u5173\u95ED",statement:"\u5BF9\u8D26\u5355",statement_csv:"CSV",statement_month:"\u6708\u4EFD",statement_failed:"\u65E0\u6CD5\u6253\u5F00\u5BF9\u8D26\u5355\uFF1A{error}",splits:"\u516C\u644A\u5206\u644A",no_splits:"\u6B64\u671F\u95F4\u6CA1\u6709\u516C\u644A\u5206\u644A\u3002",split_period:"\u8D26\u671F",split_master:"\u603B\u8868",split_amount:"\u91D1\u989D",split_quantities:"\u603B\u8868 {master} \u2212 \u5206\u8868 {subs} = \u516C\u644A {pool}",split_loss:"\u635F\u8017",split_accounts:"\u6237\u6570",split_method_area:"\u6309\u9762\u79EF",split_method_usage:"\u6309\u7528\u91CF",split_method_equal:"\u5E73\u5747",split_billed:"\u51FA\u8D26\u5355"};function ze(r){return r?.toLowerCase().startsWith("zh")?Pe:Mt}function E(r,t,e={}){return(ze(r)[t]??Mt[t]??t).replace(/\{(\w+)\}/g,(i,n)=>n in e?String(e[n]):`{${n}}`)}var zs=Object.keys(Mt);var pt="prepaid_utility",v=class extends w{constructor(){super(...arguments);this.loading=!1}setConfig(e){if(!e)throw new Error("Invalid configuration");this.config={...e},this.data=void 0,this.loadedFor=void 0,this.isConnected&&this.hass&&this.refresh()}connectedCallback(){super.connectedCallback();let e=Math.max(this.config?.refresh_seconds??30,5);this.timer=window.setInterval(()=>{this.refresh()},e*1e3),this.hass&&this.refresh()}disconnectedCallback(){super.disconnectedCallback(),window.clearInterval(this.timer)}willUpdate(e){e.has("hass")&&this.hass&&this.loadedFor!==this.hass.user?.id&&(this.loadedFor=this.hass.user?.id,this.refresh())}async refresh(){if(!(!this.hass||this.loading||!this.config)){this.loading=!0;try{this.data=await this.fetch(this.hass),this.error=void 0}catch(e){this.error=e?.code??String(e),e?.message&&(this.error=e.message),this.onError(e)}finally{this.loading=!1}}}onError(e){}get language(){return this.hass?.locale?.language??this.hass?.language??"en"}t(e,s){return E(this.language,e,s)}money(e,s){return Xt(e,s,this.hass?.locale,this.language)}qty(e,s=2){return te(e,this.hass?.locale,this.language,s)}time(e){return oe(e,this.language,ae(this.hass?.locale,this.hass?.config?.time_zone))}getCardSize(){return 3}};v.baseStyles=b`
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
  `,p([_({attribute:!1})],v.prototype,"hass",2),p([f()],v.prototype,"config",2),p([f()],v.prototype,"data",2),p([f()],v.prototype,"error",2);async function ue(r,t){let e=t?.translation_key;if(e&&r.loadBackendTranslation)try{let s=t.translation_domain??pt,n=(await r.loadBackendTranslation("exceptions",s))(`component.${s}.exceptions.${e}.message`,t.translation_placeholders??{});if(n)return n}catch{}return t?.message??String(t)}var je=["cash","bank_transfer","online","other"],x=class extends w{constructor(){super(...arguments);this.action="recharge";this.deviceId="";this.currency="";this.exponent=2;this.accountName="";this.amount="";this.method="cash";this.reference="";this.busy=!1}connectedCallback(){super.connectedCallback(),this.reference=re(this.action==="recharge"?"CARD":"REFUND",new Date)}t(e,s){return E(this.hass?.locale?.language??this.hass?.language,e,s)}close(e={}){this.dispatchEvent(new CustomEvent("closed",{detail:e}))}async submit(e){if(e.preventDefault(),!this.hass||this.busy)return;if(!ne(this.amount,this.exponent)){this.error=this.t("invalid_amount");return}this.busy=!0,this.error=void 0;let s={device_id:this.deviceId,amount:this.amount.trim()};this.action==="recharge"?(s.order_id=this.reference,s.method=this.method):s.refund_id=this.reference;try{let i=await this.hass.callWS({type:"call_service",domain:pt,service:this.action,service_data:s,return_response:!0});this.close({balance:i?.response?.balance})}catch(i){this.error=await ue(this.hass,i)}finally{this.busy=!1}}render(){return c`<div class="scrim" @click=${e=>e.target===e.currentTarget&&this.close()}>
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
                ${je.map(e=>c`<option value=${e} ?selected=${e===this.method}>${this.t(`method_${e}`)}</option>`)}
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
    </div>`}};x.styles=[v.baseStyles,b`
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
    `],p([_({attribute:!1})],x.prototype,"hass",2),p([_()],x.prototype,"action",2),p([_()],x.prototype,"deviceId",2),p([_()],x.prototype,"currency",2),p([_({type:Number})],x.prototype,"exponent",2),p([_()],x.prototype,"accountName",2),p([f()],x.prototype,"amount",2),p([f()],x.prototype,"method",2),p([f()],x.prototype,"reference",2),p([f()],x.prototype,"busy",2),p([f()],x.prototype,"error",2);var C=class extends v{static getConfigElement(){return document.createElement("prepaid-utility-card-editor")}static async getStubConfig(t){let e={type:"custom:prepaid-utility-account-card"};try{let s=await t?.callWS({type:"prepaid_utility/rooms"});s?.accounts.length&&(e.account_id=s.accounts[0].account_id)}catch{}return e}constructor(){super(),this.config={type:"custom:prepaid-utility-account-card"}}get account(){return this.accountId??this.config?.account_id}fetch(t){return this.account?t.callWS({type:"prepaid_utility/account",account_id:this.account}):Promise.reject({code:"no_account",message:this.t("choose_account")})}onError(t){t?.code==="not_found"&&(this.error=this.t("not_found"))}getCardSize(){return 7}get month(){return this.chosenMonth??Ht(this.data?.day??0,1)[0]}async openStatement(t){if(!(!this.hass||!this.account||!this.data)){this.statementError=void 0;try{let{path:e}=await this.hass.callWS({type:"auth/sign_path",path:de(this.account,this.month,t),expires:60});if(t==="html")window.open(e,"_blank","noopener");else{let s=document.createElement("a");s.href=e,s.download=`statement_${this.account}_${this.month}.csv`,s.click()}}catch(e){this.statementError=this.t("statement_failed",{error:e?.message??String(e)})}}}statement(t){return c`<div class="statement">
      <label
        >${this.t("statement_month")}
        <select class="statement-month" @change=${e=>this.chosenMonth=e.target.value}>
          ${Ht(t).map(e=>c`<option value=${e} ?selected=${e===this.month}>${e}</option>`)}
        </select></label
      >
      <button class="secondary statement-open" @click=${()=>{this.openStatement("html")}}>${this.t("statement")}</button>
      <button class="secondary statement-csv" @click=${()=>{this.openStatement("csv")}}>${this.t("statement_csv")}</button>
    </div>
    ${this.statementError?c`<div class="error">${this.statementError}</div>`:h}`}figures(t,e,s){let i=Object.entries(e.usage);return c`<div class="figure">
      <div class="label muted">${t}</div>
      <div class="value">${this.money(e.cost,s)}</div>
      <div class="muted">
        ${i.length?i.map(([n,o])=>c`<span>${this.qty(o)} ${k[n]??""}</span> `):c`<span>—</span>`}
      </div>
    </div>`}banner(t){if(Rt(t.level)<=0)return h;let s=t.level==="cut_off"||t.supply==="off";return c`<div class="banner ${s?"cut":"low"}" role="alert" style="--level:${tt(t.level)}">
      <strong>${this.t(`level_${t.level}`)}</strong> — ${s?this.t("banner_cut"):this.t("banner_low")}
    </div>`}render(){let t=this.data;if(!t)return c`<div class="card">
        <h2>${this.config?.title??this.t("account_title")}</h2>
        ${this.error?c`<div class="error">${this.error}</div>`:c`<div class="muted">…</div>`}
      </div>`;let e=ie(t.days_left),s=this.hass?.user?.is_admin??!1,i=Object.entries(t.month_by_period).filter(([,n])=>Object.keys(n).length>1);return c`<div class="card">
      <div class="head">
        <div>
          <h2>${this.config?.title??t.name}</h2>
          <div class="muted">${le(t.room,t.area,t.building)}</div>
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
      ${i.length?c`<div class="tou">
            <div class="muted">${this.t("tou")}</div>
            ${i.map(([n,o])=>c`<div>
                  ${this.t(n)}:
                  ${Object.entries(o).map(([a,l])=>c`<span class="chip">${a} ${this.qty(l)} ${k[n]??""}</span>`)}
                </div>`)}
          </div>`:h}
      ${s&&t.device_id?c`<div class="actions">
            <button class="recharge" @click=${()=>this.action="recharge"}>${this.t("recharge")}</button>
            <button class="secondary refund" @click=${()=>this.action="refund"}>${this.t("refund")}</button>
          </div>`:h}
      ${this.notice?c`<div class="notice">${this.notice}</div>`:h}
      ${this.statement(t.day)}
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
    </div>`}};C.styles=[v.baseStyles,b`
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
      .statement {
        display: flex;
        gap: 8px;
        align-items: center;
        flex-wrap: wrap;
        margin-top: 14px;
      }
      .statement label {
        display: flex;
        gap: 6px;
        align-items: center;
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
    `],p([_({attribute:!1})],C.prototype,"accountId",2),p([f()],C.prototype,"action",2),p([f()],C.prototype,"notice",2),p([f()],C.prototype,"statementError",2),p([f()],C.prototype,"chosenMonth",2);var z=class extends w{constructor(){super(...arguments);this.onKey=e=>{e.key==="Escape"&&this.close()}}close(){this.dispatchEvent(new CustomEvent("closed",{bubbles:!1,composed:!1}))}connectedCallback(){super.connectedCallback(),window.addEventListener("keydown",this.onKey)}disconnectedCallback(){super.disconnectedCallback(),window.removeEventListener("keydown",this.onKey)}render(){return c`<div class="scrim" @click=${e=>e.target===e.currentTarget&&this.close()}>
      <div class="panel" role="dialog" aria-modal="true">
        <div class="bar">
          <button class="close" aria-label=${E(this.hass?.language,"close")} @click=${()=>this.close()}>✕</button>
        </div>
        <prepaid-utility-account-card
          .hass=${this.hass}
          .accountId=${this.accountId}
        ></prepaid-utility-account-card>
      </div>
    </div>`}};z.styles=b`
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
  `,p([_({attribute:!1})],z.prototype,"hass",2),p([_({attribute:!1})],z.prototype,"accountId",2);var De={day:30,month:365,year:3*365},B=class extends v{constructor(){super(...arguments);this.granularity="day"}static getConfigElement(){return document.createElement("prepaid-utility-card-editor")}static getStubConfig(){return{type:"custom:prepaid-utility-finance-card",granularity:"day"}}setConfig(e){super.setConfig(e),this.granularity=e.granularity??"day"}fetch(e){return e.user?.is_admin?e.callWS({type:"prepaid_utility/finance",granularity:this.granularity,days:De[this.granularity]}):Promise.reject({code:"unauthorized",message:this.t("admin_only")})}onError(e){e?.code==="unauthorized"&&(this.error=this.t("admin_only"))}getCardSize(){return 6}splits(e){if(!e.apportionments?.length)return c`<div class="muted">${this.t("no_splits")}</div>`;let s=i=>i.kind?k[i.kind]??"":"";return c`<table class="splits">
      <tr>
        <th>${this.t("split_period")}</th>
        <th>${this.t("split_master")}</th>
        <th class="num">${this.t("split_amount")}</th>
        <th class="num">${this.t("split_loss")}</th>
        <th class="num">${this.t("split_accounts")}</th>
      </tr>
      ${e.apportionments.map(i=>c`<tr class="split" data-entry=${i.entry_id}>
          <td>
            ${i.period}
            <div class="muted small">
              ${i.method?this.t(`split_method_${i.method}`):""}${i.collection==="billed"?` \xB7 ${this.t("split_billed")}`:""}
            </div>
          </td>
          <td>
            ${i.master_name}
            ${i.master_quantity!==null?c`<div class="muted small quantities">
                  ${this.t("split_quantities",{master:`${this.qty(i.master_quantity,3)} ${s(i)}`,subs:`${this.qty(i.sub_meters_quantity,3)} ${s(i)}`,pool:`${this.qty(i.pool_quantity,3)} ${s(i)}`})}
                </div>`:h}
          </td>
          <td class="num">${this.money(i.amount,e.currency)}</td>
          <td class="num loss" data-per-mille=${i.loss_per_mille??""}>${he(i.loss_per_mille,this.hass?.locale,this.language)}</td>
          <td class="num">${i.shares}</td>
        </tr>`)}
    </table>`}render(){let e=this.data,s=this.config?.title??this.t("finance_title");if(!this.hass?.user?.is_admin)return c`<div class="card"><h2>${s}</h2><div class="muted denied">${this.t("admin_only")}</div></div>`;if(!e)return c`<div class="card"><h2>${s}</h2>${this.error?c`<div class="error">${this.error}</div>`:c`<div class="muted">…</div>`}</div>`;let i=Math.max(0,...e.income.map(n=>Number(n.amount)));return c`<div class="card">
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
            <td>${ce(n.period)}</td>
            <td class="bar"><span style="width:${i>0?Number(n.amount)/i*100:0}%"></span></td>
            <td class="num">${this.money(n.amount,e.currency)}</td>
          </tr>`)}
      </table>
      <h3>${this.t("debtors")}</h3>
      ${e.debtors.length?c`<table class="debtors">
            ${e.debtors.map(n=>c`<tr><td>${n.room}</td><td>${n.name}</td><td class="num neg">${this.money(n.balance,e.currency)}</td></tr>`)}
          </table>`:c`<div class="muted">${this.t("no_debtors")}</div>`}
      <h3>${this.t("splits")}</h3>
      ${this.splits(e)}
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
    </div>`}};B.styles=[v.baseStyles,b`
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
      .small {
        font-size: 0.8rem;
      }
      .splits th {
        font-weight: 500;
      }
    `],p([f()],B.prototype,"granularity",2);var j=class extends v{constructor(){super(...arguments);this.kind="electricity";this.metric="usage"}static getConfigElement(){return document.createElement("prepaid-utility-card-editor")}static getStubConfig(){return{type:"custom:prepaid-utility-reports-card",kind:"electricity",metric:"usage"}}setConfig(e){super.setConfig(e),this.kind=e.kind??"electricity",this.metric=e.metric??"usage"}fetch(e){let s={type:"prepaid_utility/monthly"};return this.config.account_id?s.account_id=this.config.account_id:this.config.building&&(s.building=this.config.building),e.callWS(s)}getCardSize(){return 5}render(){let e=this.data,s=this.config?.title??this.t("reports_title");if(!e)return c`<div class="card"><h2>${s}</h2>${this.error?c`<div class="error">${this.error}</div>`:c`<div class="muted">…</div>`}</div>`;let i=se(e.months,this.metric,this.kind),n=this.metric==="cost"?e.currency:k[this.kind],o=d=>this.metric==="cost"?this.money(d,e.currency):`${this.qty(d)} ${n}`,a=600,l=200,m=a/12,g=m*.36,u=i.reduce((d,$)=>d+$.thisYear,0),y=i.reduce((d,$)=>d+$.lastYear,0);return c`<div class="card">
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
        ${i.map((d,$)=>{let A=$*m+m*.12,D=Math.max(d.thisHeight*l,d.thisYear>0?1:0),V=Math.max(d.lastHeight*l,d.lastYear>0?1:0);return Wt`<g class="month" data-month=${d.month}>
            <rect class="last" x=${A} y=${l-V} width=${g} height=${V}><title>${e.year-1} ${ut(d.month,this.language)}: ${o(d.lastLabel)}</title></rect>
            <rect class="this" x=${A+g} y=${l-D} width=${g} height=${D}><title>${e.year} ${ut(d.month,this.language)}: ${o(d.thisLabel)}</title></rect>
            <text x=${$*m+m/2} y=${l+15} text-anchor="middle">${ut(d.month,this.language)}</text>
          </g>`})}
      </svg>
      ${this.split(e)}
    </div>`}periodName(e){let s=`period_${e.toLowerCase()}`,i=this.t(s);return i===s?e:i}split(e){let s=k[this.kind],i=Tt(e.by_period?.[this.kind]),n=Tt(e.by_tier?.[this.kind]),o=(a,l,m)=>l.length>1?c`<div class="split">
            <span class="muted">${a}</span>
            ${l.map(g=>c`<span class="chip">${m(g.key)} ${this.qty(g.value)} ${s} (${g.percent}%)</span>`)}
          </div>`:h;return c`${o(this.t("tou"),i,a=>this.periodName(a))}
    ${o(this.t("tiers"),n,a=>this.t("tier",{tier:a}))}`}};j.styles=[v.baseStyles,b`
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
    `],p([f()],j.prototype,"kind",2),p([f()],j.prototype,"metric",2);var pe={ATTRIBUTE:1,CHILD:2,PROPERTY:3,BOOLEAN_ATTRIBUTE:4,EVENT:5,ELEMENT:6},me=r=>(...t)=>({_$litDirective$:r,values:t}),mt=class{constructor(t){}get _$AU(){return this._$AM._$AU}_$AT(t,e,s){this._$Ct=t,this._$AM=e,this._$Ci=s}_$AS(t,e){return this.update(t,e)}update(t,e){return this.render(...e)}};var{I:qe}=Gt,fe=r=>r;var ge=()=>document.createComment(""),K=(r,t,e)=>{let s=r._$AA.parentNode,i=t===void 0?r._$AB:t._$AA;if(e===void 0){let n=s.insertBefore(ge(),i),o=s.insertBefore(ge(),i);e=new qe(n,o,r,r.options)}else{let n=e._$AB.nextSibling,o=e._$AM,a=o!==r;if(a){let l;e._$AQ?.(r),e._$AM=r,e._$AP!==void 0&&(l=r._$AU)!==o._$AU&&e._$AP(l)}if(n!==i||a){let l=e._$AA;for(;l!==n;){let m=fe(l).nextSibling;fe(s).insertBefore(l,i),l=m}}}return e},M=(r,t,e=r)=>(r._$AI(t,e),r),Fe={},ye=(r,t=Fe)=>r._$AH=t,$e=r=>r._$AH,ft=r=>{r._$AR(),r._$AA.remove()};var ve=(r,t,e)=>{let s=new Map;for(let i=t;i<=e;i++)s.set(r[i],i);return s},_e=me(class extends mt{constructor(r){if(super(r),r.type!==pe.CHILD)throw Error("repeat() can only be used in text expressions")}dt(r,t,e){let s;e===void 0?e=t:t!==void 0&&(s=t);let i=[],n=[],o=0;for(let a of r)i[o]=s?s(a,o):o,n[o]=e(a,o),o++;return{values:n,keys:i}}render(r,t,e){return this.dt(r,t,e).values}update(r,[t,e,s]){let i=$e(r),{values:n,keys:o}=this.dt(t,e,s);if(!Array.isArray(i))return this.ut=o,n;let a=this.ut??=[],l=[],m,g,u=0,y=i.length-1,d=0,$=n.length-1;for(;u<=y&&d<=$;)if(i[u]===null)u++;else if(i[y]===null)y--;else if(a[u]===o[d])l[d]=M(i[u],n[d]),u++,d++;else if(a[y]===o[$])l[$]=M(i[y],n[$]),y--,$--;else if(a[u]===o[$])l[$]=M(i[u],n[$]),K(r,l[$+1],i[u]),u++,$--;else if(a[y]===o[d])l[d]=M(i[y],n[d]),K(r,i[u],i[y]),y--,d++;else if(m===void 0&&(m=ve(o,d,$),g=ve(a,u,y)),m.has(a[u]))if(m.has(a[y])){let A=g.get(o[d]),D=A!==void 0?i[A]:null;if(D===null){let V=K(r,i[u]);M(V,n[d]),l[d]=V}else l[d]=M(D,n[d]),K(r,i[u],D),i[A]=null;d++}else ft(i[y]),y--;else ft(i[u]),u++;for(;d<=$;){let A=K(r,l[$+1]);M(A,n[d]),l[d++]=A}for(;u<=y;){let A=i[u++];A!==null&&ft(A)}return this.ut=o,ye(r,l),H}});var S=class extends v{constructor(){super(...arguments);this.text="";this.floor="";this.area="";this.building="";this.sort="room";this.onlyAlarms=!1}static getConfigElement(){return document.createElement("prepaid-utility-card-editor")}static getStubConfig(){return{type:"custom:prepaid-utility-rooms-card",sort:"room"}}setConfig(e){super.setConfig(e),this.sort=e.sort??"room",this.building=e.building??"",this.floor=e.floor??"",this.area=e.area??""}fetch(e){return e.callWS({type:"prepaid_utility/rooms"})}getCardSize(){return 8}tile(e,s){let i=Object.entries(e.today.usage).map(([o,a])=>`${this.qty(a)} ${k[o]??""}`).join(" \xB7 "),n=e.supply==="none"?"":this.t(`supply_${e.supply}`);return c`<button
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
        ${this.t("today")}: ${i||"\u2014"} · ${this.money(e.today.cost,s)}
      </div>
    </button>`}select(e,s,i,n){return i.length<2&&!s?h:c`<label
      >${e}
      <select .value=${s} @change=${o=>n(o.target.value)}>
        <option value="">${this.t("all")}</option>
        ${i.map(o=>c`<option value=${o} ?selected=${o===s}>${o}</option>`)}
      </select></label
    >`}render(){let e=this.data,s=this.config?.title??this.t("rooms_title");if(!e)return c`<div class="card"><h2>${s}</h2>
        ${this.error?c`<div class="error">${this.t("error",{error:this.error})}</div>`:c`<div class="muted">…</div>`}</div>`;let i=ee(e.accounts,{building:this.building,floor:this.floor,area:this.area,text:this.text,onlyAlarms:this.onlyAlarms},this.sort);return c`<div class="card">
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
      ${i.length?c`<div class="grid">${_e(i,n=>n.account_id,n=>this.tile(n,e.currency))}</div>`:c`<div class="muted">${this.t("no_rooms")}</div>`}
      ${this.opened?c`<prepaid-utility-account-dialog
            .hass=${this.hass}
            .accountId=${this.opened}
            @closed=${()=>{this.opened=void 0,this.refresh()}}
          ></prepaid-utility-account-dialog>`:h}
    </div>`}};S.styles=[v.baseStyles,b`
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
      <select data-field=${e} @change=${a=>this.set(e,a.target.value)}>
        ${n!==void 0?c`<option value="" ?selected=${o===""}>${n}</option>`:h}
        ${i.map(([a,l])=>c`<option value=${a} ?selected=${a===o}>${l}</option>`)}
      </select></label
    >`}render(){if(!this.config)return h;let e=this.rooms.map(n=>[n.account_id,[n.room,n.name,n.building].filter(Boolean).join(" \xB7 ")]),s=n=>F(this.rooms,n).map(o=>[o,o]),i=this.kind;return c`<div class="editor">
      <label
        >${this.t("title")}
        <input
          data-field="title"
          .value=${this.config.title??""}
          @change=${n=>this.set("title",n.target.value)}
      /></label>
      ${i==="account"?this.choice("account_id",this.t("account"),e,"\u2014"):h}
      ${i==="reports"?this.choice("account_id",this.t("account"),e,this.t("all")):h}
      ${i==="reports"&&!this.config.account_id?this.choice("building",this.t("building"),s("building"),this.t("all")):h}
      ${i==="reports"?c`${this.choice("kind",this.t("kind"),[["electricity",this.t("electricity")],["water",this.t("water")]])}
          ${this.choice("metric",this.t("metric"),[["usage",this.t("usage")],["cost",this.t("cost")]])}`:h}
      ${i==="rooms"?c`${this.choice("building",this.t("building"),s("building"),this.t("all"))}
          ${this.choice("floor",this.t("floor"),s("floor"),this.t("all"))}
          ${this.choice("area",this.t("area"),s("area"),this.t("all"))}
          ${this.choice("sort",this.t("sort"),[["room",this.t("sort_room")],["balance",this.t("sort_balance")],["name",this.t("sort_name")]])}`:h}
      ${i==="finance"?this.choice("granularity",this.t("granularity"),[["day",this.t("granularity_day")],["month",this.t("granularity_month")],["year",this.t("granularity_year")]]):h}
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
  `,p([_({attribute:!1})],L.prototype,"hass",2),p([f()],L.prototype,"config",2),p([f()],L.prototype,"rooms",2);function be(r,t,e){return t?{views:[{title:E(e,"rooms_title"),path:"rooms",type:"panel",cards:[{type:"custom:prepaid-utility-rooms-card"}]},{title:E(e,"reports_title"),path:"reports",cards:[{type:"custom:prepaid-utility-reports-card",kind:"electricity"},{type:"custom:prepaid-utility-reports-card",kind:"water"}]},{title:E(e,"finance_title"),path:"finance",cards:[{type:"custom:prepaid-utility-finance-card"}]}]}:{views:r.accounts.map(s=>({title:s.room||s.name,path:`account-${s.account_id.toLowerCase()}`,cards:[{type:"custom:prepaid-utility-account-card",account_id:s.account_id},{type:"custom:prepaid-utility-reports-card",account_id:s.account_id}]}))}}var gt=class extends HTMLElement{static async generate(t,e){let s=await e.callWS({type:"prepaid_utility/rooms"}),i=e.locale?.language??e.language;return be(s,e.user?.is_admin??!1,i)}};var Be="0.1.0",Ke=[["prepaid-utility-rooms-card",S],["prepaid-utility-account-card",C],["prepaid-utility-reports-card",j],["prepaid-utility-finance-card",B],["prepaid-utility-account-dialog",z],["prepaid-utility-money-dialog",x],["prepaid-utility-card-editor",L],["ll-strategy-dashboard-prepaid-utility",gt]],Ve=[{type:"prepaid-utility-rooms-card",name:"Prepaid Utility: Rooms",description:"Every room's balance, supply and today's usage (landlord)."},{type:"prepaid-utility-account-card",name:"Prepaid Utility: Account",description:"One account's balance, days left, usage and recent entries (resident)."},{type:"prepaid-utility-reports-card",name:"Prepaid Utility: Monthly report",description:"Usage and cost per month beside last year."},{type:"prepaid-utility-finance-card",name:"Prepaid Utility: Finance",description:"Income, recharges, refunds and debts (administrators)."}];for(let[r,t]of Ke)customElements.get(r)||customElements.define(r,t);window.customCards=window.customCards??[];for(let r of Ve)window.customCards.some(t=>t.type===r.type)||window.customCards.push({...r,preview:!1});console.info(`%c PREPAID-UTILITY-CARDS %c ${Be} `,"color:#fff;background:#1976d2","color:#1976d2");export{Ve as CARDS,Be as VERSION};
