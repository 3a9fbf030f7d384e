// Types of /smart-bff/smart-bff.js, written by hand beside it (no build step). Keep the two in step.

/** The system of the BFF's own error codes in an OperationOutcome (`issue[0].details.coding`). */
export const ERROR_SYSTEM: 'urn:smart-bff:error';

/** The header with which every call names the tab's launch (the handle the callback put in the URL fragment). */
export const LAUNCH_HEADER: 'X-SMART-Launch';

/** `GET /auth/session`: who is logged in and the launch context. Never a token. */
export interface SmartSession {
    /** The configured server name. */
    server: string;
    /** e.g. `Practitioner/123`, or an absolute URL. */
    fhirUser: string | null;
    /** e.g. `Practitioner`. */
    fhirUserType: string | null;
    /** The user's display name from the id token. */
    name: string | null;
    /** The granted scopes, space-separated. */
    scope: string;
    scopes: string[];
    /** Whether the session survives the browser (offline_access). */
    offline: boolean;
    /** When the session ends at the latest (ISO 8601). */
    expires_at: string;
    /** The patient in context (an id). */
    patient?: string;
    /** The encounter in context (an id). */
    encounter?: string;
    fhirContext?: Array<Record<string, unknown>>;
    /** false when the EHR already shows a patient banner. */
    need_patient_banner?: boolean;
    smart_style_url?: string;
    intent?: string;
    tenant?: string;
    /** Context members SMART does not define. */
    extensions: Record<string, unknown>;
}

export interface OperationOutcomeIssue {
    severity?: string;
    /** The FHIR issue type, e.g. `not-found`, `login`, `forbidden`. */
    code?: string;
    diagnostics?: string;
    details?: { text?: string; coding?: Array<{ system?: string; code?: string; display?: string }> };
}

export interface OperationOutcome {
    resourceType: 'OperationOutcome';
    issue?: OperationOutcomeIssue[];
}

/** A Bundle, as far as paging needs it. */
export interface BundleLike {
    resourceType?: string;
    link?: Array<{ relation?: string; url?: string }>;
    entry?: Array<{ fullUrl?: string; resource?: any }>;
}

/**
 * A failed call to the BFF. `code` is the BFF's own code (`no_session`, `session_expired`, `csrf_header_missing`,
 * ...) when the OperationOutcome has one, else the FHIR issue code, else the `error` of a JSON error, else null.
 */
export class SmartBffError extends Error {
    constructor(message: string, details: { status: number; code?: string | null; outcome?: OperationOutcome | null; body?: unknown });
    readonly name: 'SmartBffError';
    status: number;
    code: string | null;
    outcome: OperationOutcome | null;
    /** The parsed response body, whatever it was. */
    body: unknown;
}

export type SessionExpiredHandler = (error: SmartBffError) => void;

export interface Options {
    /**
     * Runs when a `/fhir` call answers 401 `session_expired` or `no_session`, before the call rejects. `null` turns it
     * off; `undefined` restores the default, which logs in again and returns to the current page.
     */
    onSessionExpired?: SessionExpiredHandler | null;
}

export function configure(options?: Options): void;

/** `GET /auth/session` for this tab's launch; null when there is none (`no_session`, `unknown_launch`). */
export function session(): Promise<SmartSession | null>;

/** Navigates to `/auth/login` (a standalone launch). `returnTo` is a local path. */
export function login(options?: { server?: string; returnTo?: string }): void;

/** Whether the URL (default: this page's) carries `iss` and `launch`: the EHR opened the app. */
export function isEhrLaunch(url?: string): boolean;

/** Navigates to `/auth/launch?iss=..&launch=..` when this page is an EHR launch; returns whether it did. */
export function continueEhrLaunch(): boolean;

/** `POST /auth/logout` with `X-CSRF: 1`: this tab's launch, or every launch of the browser with `all`. */
export function logout(options?: { all?: boolean }): Promise<void>;

/** `/fhir/<path>` for a relative FHIR path, or the path and query of an absolute URL under this origin's `/fhir`. */
export function fhirUrl(path: string): string;

export type FhirInit = Omit<RequestInit, 'body'> & { body?: BodyInit | Record<string, unknown> | unknown[] | null };

/** A FHIR call through the BFF; resolves the parsed JSON (or text, or null when empty). */
export function fhir<T = any>(path: string, init?: FhirInit): Promise<T>;

/** The `next` link of a Bundle, or null. */
export function nextPage(bundle: BundleLike | null | undefined): string | null;

/** The resources of a search and its following pages, at most `maxPages` pages (default 10). */
export function fhirAll<T = any>(path: string, options?: { maxPages?: number }): Promise<T[]>;
