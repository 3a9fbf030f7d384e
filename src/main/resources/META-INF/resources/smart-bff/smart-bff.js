// @ts-check
/**
 * smart-bff.js: the browser side of smart-bff, as one dependency-free ES module.
 *
 * The BFF holds the tokens; this module only ever sees the session cookie (which it cannot read: HttpOnly), the
 * launch context from `/auth/session`, and FHIR JSON from `/fhir/...`. Every call is same-origin, so the cookie goes
 * with it, and every state-changing call carries `X-CSRF: 1`, which a cross-site form cannot send.
 *
 *     import { session, login, fhir } from '/smart-bff/smart-bff.js';
 *     const who = await session();
 *     if (!who) login(); else console.log(await fhir(`Patient/${who.patient}`));
 *
 * Several launches in one browser (two tabs, two patients): the BFF's callback brings each tab back with its launch
 * handle in the URL fragment (`#smart-bff-launch=...`; fragments never reach a server). On load this module moves it
 * to `sessionStorage` (one per tab; it survives reloads), removes it from the address bar, and sends it as
 * `X-SMART-Launch` with every call, so each tab stays on its own launch. The handle is useless without the
 * browser's HttpOnly cookie.
 *
 * Types: `smart-bff.d.ts` beside this file.
 *
 * @module smart-bff
 */

const FHIR_MOUNT = '/fhir';
const FHIR_JSON = 'application/fhir+json';
/** The system of the BFF's own error codes in an OperationOutcome (`issue[0].details.coding`). */
export const ERROR_SYSTEM = 'urn:smart-bff:error';
/** The header that names the tab's launch. */
export const LAUNCH_HEADER = 'X-SMART-Launch';
const LAUNCH_PARAMETER = 'smart-bff-launch';
const LAUNCH_STORAGE_KEY = 'smart-bff-launch';
/** The 401 codes after which this tab has no usable launch: log in again. */
const NO_LAUNCH_CODES = ['session_expired', 'no_session', 'unknown_launch'];

/** Where the handle lives when `sessionStorage` is unavailable (storage disabled): for this page only. */
let launchInMemory = /** @type {string | null} */ (null);

/** The tab's launch handle, or null (then the BFF answers for the browser's most recent launch). */
function launchHandle() {
    try {
        return sessionStorage.getItem(LAUNCH_STORAGE_KEY) ?? launchInMemory;
    } catch {
        return launchInMemory;
    }
}

/** @param {string | null} handle */
function keepLaunchHandle(handle) {
    launchInMemory = handle;
    try {
        if (handle === null) {
            sessionStorage.removeItem(LAUNCH_STORAGE_KEY);
        } else {
            sessionStorage.setItem(LAUNCH_STORAGE_KEY, handle);
        }
    } catch {
        // Storage disabled: the in-memory copy serves this page.
    }
}

/** Takes the handle the BFF's callback put in the fragment, and removes it from the address bar and history. */
function adoptLaunchFromFragment() {
    if (typeof location === 'undefined' || !location.hash.includes(LAUNCH_PARAMETER + '=')) {
        return;
    }
    const parts = location.hash.slice(1).split('&');
    const rest = [];
    for (const part of parts) {
        if (part.startsWith(LAUNCH_PARAMETER + '=')) {
            const handle = part.slice(LAUNCH_PARAMETER.length + 1);
            if (/^[A-Za-z0-9_-]{80}$/.test(handle)) {
                keepLaunchHandle(handle);
            }
        } else {
            rest.push(part);
        }
    }
    history.replaceState(history.state, '', location.pathname + location.search + (rest.length ? '#' + rest.join('&') : ''));
}

adoptLaunchFromFragment();

/** @param {Headers} headers the same headers, with the tab's launch handle when it has one */
function withLaunch(headers) {
    const handle = launchHandle();
    if (handle) {
        headers.set(LAUNCH_HEADER, handle);
    }
    return headers;
}

/**
 * The launch context and identity the BFF shows the page; never a token.
 *
 * @typedef {object} SmartSession
 * @property {string} server the configured server name
 * @property {string | null} fhirUser e.g. `Practitioner/123`, or an absolute URL
 * @property {string | null} fhirUserType e.g. `Practitioner`
 * @property {string | null} name the user's display name from the id token
 * @property {string} scope the granted scopes, space-separated
 * @property {string[]} scopes the granted scopes
 * @property {boolean} offline whether the session survives the browser (offline_access)
 * @property {string} expires_at when the session ends at the latest (ISO 8601)
 * @property {string} [patient] the patient in context (an id)
 * @property {string} [encounter] the encounter in context (an id)
 * @property {Array<Record<string, unknown>>} [fhirContext] further context references
 * @property {boolean} [need_patient_banner] false when the EHR already shows a patient banner
 * @property {string} [smart_style_url] the EHR's style document
 * @property {string} [intent]
 * @property {string} [tenant]
 * @property {Record<string, unknown>} extensions context members SMART does not define
 */

/**
 * A FHIR OperationOutcome, as far as this module reads it.
 *
 * @typedef {object} OperationOutcome
 * @property {'OperationOutcome'} resourceType
 * @property {Array<{severity?: string, code?: string, diagnostics?: string,
 *   details?: {text?: string, coding?: Array<{system?: string, code?: string}>}}>} [issue]
 */

/**
 * A failed call to the BFF: the HTTP status, a short machine code and, for `/fhir` calls, the OperationOutcome.
 *
 * `code` is the BFF's own code (`no_session`, `session_expired`, `csrf_header_missing`, `forbidden_scope`, ...) when
 * the OperationOutcome carries one (system `urn:smart-bff:error`), else the FHIR issue code (`not-found`, `invalid`,
 * ...), else the `error` member of a JSON error (`/auth/*`), else null.
 */
export class SmartBffError extends Error {
    /**
     * @param {string} message
     * @param {{status: number, code?: string | null, outcome?: OperationOutcome | null, body?: unknown}} details
     */
    constructor(message, { status, code = null, outcome = null, body = null }) {
        super(message);
        this.name = 'SmartBffError';
        /** @type {number} */
        this.status = status;
        /** @type {string | null} */
        this.code = code;
        /** @type {OperationOutcome | null} */
        this.outcome = outcome;
        /** @type {unknown} the parsed response body, whatever it was */
        this.body = body;
    }
}

/** @typedef {(error: SmartBffError) => void} SessionExpiredHandler */

/** @type {{onSessionExpired: SessionExpiredHandler | null}} */
const settings = { onSessionExpired: loginAgain };
let loginUnderway = false;

/** The default for a session that ended: log in again and come back to this page. */
function loginAgain() {
    if (loginUnderway) {
        return; // several calls failed together: one navigation is enough
    }
    loginUnderway = true;
    login({ returnTo: location.pathname + location.search });
}

/**
 * Settings of this module.
 *
 * @param {{onSessionExpired?: SessionExpiredHandler | null}} options `onSessionExpired` runs when a `/fhir` call
 *   answers 401 `session_expired`, `no_session` or `unknown_launch` (before the call's promise rejects); `null` turns it off. The
 *   default logs in again and comes back to the current page.
 */
export function configure(options = {}) {
    if ('onSessionExpired' in options) {
        const handler = options.onSessionExpired;
        if (handler !== null && handler !== undefined && typeof handler !== 'function') {
            throw new TypeError('onSessionExpired must be a function or null');
        }
        settings.onSessionExpired = handler === undefined ? loginAgain : handler;
    }
}

/**
 * Who is logged in and the launch context: `GET /auth/session`.
 *
 * @returns {Promise<SmartSession | null>} null when there is no session (401 `no_session`)
 * @throws {SmartBffError} on any other failure (e.g. 503 while the session store is down)
 */
export async function session() {
    const response = await fetch('/auth/session', {
        credentials: 'same-origin',
        cache: 'no-store',
        headers: withLaunch(new Headers({ Accept: 'application/json' })),
    });
    const body = await readBody(response);
    if (response.ok) {
        return /** @type {SmartSession} */ (body);
    }
    const error = errorFrom(response, body);
    if (response.status === 401 && (error.code === 'no_session' || error.code === 'unknown_launch')) {
        return null;
    }
    throw error;
}

/**
 * Starts a standalone launch: navigates to `/auth/login`. The page is left; the BFF brings the browser back to
 * `returnTo` (a local path) or to its configured app URL.
 *
 * @param {{server?: string, returnTo?: string}} [options] `server`: a configured server name (default: the BFF's
 *   default server)
 */
export function login({ server, returnTo } = {}) {
    location.assign('/auth/login' + query([['server', server], ['return_to', returnTo]]));
}

/**
 * Whether a URL is an EHR launch: the EHR opened the app with `iss` and `launch` parameters.
 *
 * @param {string} [url] default: this page's URL
 * @returns {boolean}
 */
export function isEhrLaunch(url = location.href) {
    const params = new URL(url, location.href).searchParams;
    return Boolean(params.get('iss')) && Boolean(params.get('launch'));
}

/**
 * Hands an EHR launch over to the BFF (`/auth/launch?iss=..&launch=..`), when this page is one. The launch URL is
 * replaced in the history: it is single use.
 *
 * @returns {boolean} true when the page is navigating away
 */
export function continueEhrLaunch() {
    if (!isEhrLaunch()) {
        return false;
    }
    const params = new URL(location.href).searchParams;
    location.replace('/auth/launch' + query([['iss', params.get('iss')], ['launch', params.get('launch')]]));
    return true;
}

/**
 * Ends this tab's launch (`POST /auth/logout`), or every launch of the browser (`?scope=all`). The BFF deletes and
 * revokes the tokens; it expires the cookie once no launch is left.
 *
 * @param {{all?: boolean}} [options] `all`: end every launch of this browser, not only this tab's
 * @returns {Promise<void>}
 * @throws {SmartBffError}
 */
export async function logout({ all = false } = {}) {
    const response = await fetch('/auth/logout' + (all ? '?scope=all' : ''), {
        method: 'POST',
        credentials: 'same-origin',
        cache: 'no-store',
        headers: withLaunch(new Headers({ 'X-CSRF': '1', Accept: 'application/json' })),
    });
    if (!response.ok) {
        throw errorFrom(response, await readBody(response));
    }
    // The handle is kept: it now names an ended launch, so this tab's calls answer 401 instead of silently running
    // under another tab's launch (what a call without a handle would do).
}

/**
 * The same-origin URL of a FHIR path behind the BFF.
 *
 * @param {string} path a path relative to the FHIR base (`Patient/123`, `Observation?patient=1`; leading slashes are
 *   ignored), or an absolute URL under this origin's `/fhir` (as the BFF rewrites Bundle links and `fullUrl`s)
 * @returns {string} e.g. `/fhir/Patient/123`
 * @throws {TypeError} for an absolute URL anywhere else: the page's cookie must never be offered to another server,
 *   and nothing else answers FHIR for this session
 */
export function fhirUrl(path) {
    if (typeof path !== 'string' || path.trim() === '') {
        throw new TypeError('a FHIR path is required, e.g. "Patient/123"');
    }
    if (/^[a-z][a-z0-9+.-]*:/i.test(path)) {
        const url = new URL(path);
        if (url.origin === location.origin
                && (url.pathname === FHIR_MOUNT || url.pathname.startsWith(FHIR_MOUNT + '/'))) {
            return url.pathname + url.search;
        }
        throw new TypeError(`only URLs under ${location.origin}${FHIR_MOUNT}/ go through smart-bff: ${path}`);
    }
    return FHIR_MOUNT + '/' + path.replace(/^\/+/, '');
}

/**
 * Calls the FHIR server through the BFF: `fetch('/fhir/' + path)` with the session cookie, `X-CSRF: 1` and
 * `Accept: application/fhir+json`.
 *
 * A plain object or array `body` is sent as JSON with `Content-Type: application/fhir+json`; any other body (a string,
 * `Blob`, `FormData`, ...) as it is.
 *
 * @param {string} path see {@link fhirUrl}
 * @param {RequestInit & {body?: BodyInit | object | null}} [init] as for `fetch`; `credentials` is always
 *   `same-origin`, `X-CSRF` always `1`, and `X-SMART-Launch` the tab's launch handle when it has one
 * @returns {Promise<any>} the parsed JSON (a resource, a Bundle, ...), the text of another content type, or null
 *   for an empty answer (e.g. 204)
 * @throws {SmartBffError} for a non-2xx answer; on 401 `session_expired`/`no_session`/`unknown_launch` the `onSessionExpired` handler
 *   runs first (see {@link configure})
 */
export async function fhir(path, init = {}) {
    const headers = new Headers(init.headers);
    if (!headers.has('Accept')) {
        headers.set('Accept', FHIR_JSON);
    }
    headers.set('X-CSRF', '1');
    withLaunch(headers);
    /** @type {any} */
    let body = init.body;
    if (isJsonValue(body)) {
        body = JSON.stringify(body);
        if (!headers.has('Content-Type')) {
            headers.set('Content-Type', FHIR_JSON);
        }
    }
    const response = await fetch(fhirUrl(path), { ...init, body, headers, credentials: 'same-origin' });
    const parsed = await readBody(response);
    if (response.ok) {
        return parsed;
    }
    const error = errorFrom(response, parsed);
    if (response.status === 401 && NO_LAUNCH_CODES.includes(error.code ?? '') && settings.onSessionExpired) {
        settings.onSessionExpired(error);
    }
    throw error;
}

/**
 * The `next` link of a Bundle, or null on its last page. Pass it to {@link fhir} to read the next page.
 *
 * @param {{link?: Array<{relation?: string, url?: string}>} | null | undefined} bundle
 * @returns {string | null}
 */
export function nextPage(bundle) {
    const next = (bundle?.link ?? []).find((link) => link.relation === 'next');
    return next?.url ?? null;
}

/**
 * Reads a search and its following pages (at most `maxPages` in all) and returns the resources of every entry.
 *
 * @param {string} path see {@link fhirUrl}
 * @param {{maxPages?: number}} [options] default 10
 * @returns {Promise<any[]>}
 */
export async function fhirAll(path, { maxPages = 10 } = {}) {
    const resources = [];
    /** @type {string | null} */
    let url = path;
    for (let page = 0; url && page < maxPages; page++) {
        const bundle = await fhir(url);
        for (const entry of bundle?.entry ?? []) {
            if (entry.resource) {
                resources.push(entry.resource);
            }
        }
        url = nextPage(bundle);
    }
    return resources;
}

// ---------------------------------------------------------------------------------------------------------- helpers

/** @param {Array<[string, string | null | undefined]>} pairs @returns {string} `?a=1&b=2`, or "" */
function query(pairs) {
    const present = pairs.filter(([, value]) => value !== undefined && value !== null && value !== '');
    if (present.length === 0) {
        return '';
    }
    return '?' + present.map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`)
        .join('&');
}

/** A plain object or an array: what `fhir()` sends as JSON. @param {unknown} value @returns {boolean} */
function isJsonValue(value) {
    if (Array.isArray(value)) {
        return true;
    }
    if (value === null || typeof value !== 'object') {
        return false;
    }
    const prototype = Object.getPrototypeOf(value);
    return prototype === Object.prototype || prototype === null;
}

/** JSON for a JSON content type, else text; null when empty. @param {Response} response @returns {Promise<any>} */
async function readBody(response) {
    const text = await response.text();
    if (text === '') {
        return null;
    }
    const type = (response.headers.get('Content-Type') ?? '').toLowerCase();
    if (/^application\/([a-z0-9.+-]+\+)?json\b/.test(type)) {
        try {
            return JSON.parse(text);
        } catch {
            return text; // a JSON content type with a broken body: keep what came
        }
    }
    return text;
}

/** @param {Response} response @param {any} body @returns {SmartBffError} */
function errorFrom(response, body) {
    if (body && typeof body === 'object' && body.resourceType === 'OperationOutcome') {
        const issue = body.issue?.[0] ?? {};
        const own = (issue.details?.coding ?? []).find((/** @type {any} */ c) => c.system === ERROR_SYSTEM);
        const message = issue.details?.text || issue.diagnostics || `HTTP ${response.status}`;
        return new SmartBffError(message, {
            status: response.status,
            code: own?.code ?? issue.code ?? null,
            outcome: body,
            body,
        });
    }
    if (body && typeof body === 'object' && typeof body.error === 'string') {
        return new SmartBffError(body.error_description || body.error, {
            status: response.status,
            code: body.error,
            body,
        });
    }
    // Anything else (an HTML error page of a gateway, plain text): the status says it; the body stays available.
    return new SmartBffError(`HTTP ${response.status} ${response.statusText}`.trim(), { status: response.status, body });
}
