// @ts-check
// The demo SPA: what a SMART app behind smart-bff looks like. Everything it knows comes from /auth/session and from
// FHIR JSON through /fhir; it never sees a token. Data is put into the page with textContent only.
import { continueEhrLaunch, fhir, isEhrLaunch, login, logout, nextPage, session, SmartBffError }
    from '/smart-bff/smart-bff.js';

/** @param {string} id @returns {HTMLElement} */
const byId = (id) => {
    const element = document.getElementById(id);
    if (!element) {
        throw new Error(`#${id} is missing from index.html`);
    }
    return element;
};

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeZone: 'UTC' });
const numberFormat = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });

// ---------------------------------------------------------------------------------------------------- status, errors

/** @param {string} text */
function announce(text) {
    byId('status').textContent = text;
}

/** @param {string} what @param {unknown} error */
function showError(what, error) {
    const item = document.createElement('li');
    if (error instanceof SmartBffError) {
        item.textContent = `${what}: ${error.message}`;
        const detail = document.createElement('span');
        detail.className = 'error-code';
        detail.textContent = ` (HTTP ${error.status}${error.code ? `, ${error.code}` : ''})`;
        item.append(detail);
    } else {
        item.textContent = `${what}: ${error instanceof Error ? error.message : String(error)}`;
    }
    byId('error-list').append(item);
    byId('errors').hidden = false;
}

function clearErrors() {
    byId('error-list').replaceChildren();
    byId('errors').hidden = true;
}

// ------------------------------------------------------------------------------------------------------- formatting

/** A FHIR date or dateTime, as a date; the date part is read as it is written (no time zone shift). */
function formatDate(/** @type {string | undefined} */ value) {
    const match = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?/.exec(value ?? '');
    if (!match) {
        return '—';
    }
    if (!match[2]) {
        return match[1];
    }
    return dateFormat.format(new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3] ?? 1))));
}

/** Whole years from a FHIR date to today. */
function age(/** @type {string} */ birthDate) {
    const [year, month, day] = birthDate.split('-').map(Number);
    const today = new Date();
    let years = today.getFullYear() - year;
    if (today.getMonth() + 1 < (month || 1) || (today.getMonth() + 1 === month && today.getDate() < (day || 1))) {
        years -= 1;
    }
    return years;
}

/** @param {any} patient */
function patientName(patient) {
    const names = patient?.name ?? [];
    const name = names.find((/** @type {any} */ n) => n.use === 'official') ?? names[0];
    if (!name) {
        return 'Unnamed patient';
    }
    return name.text ?? [...(name.given ?? []), name.family].filter(Boolean).join(' ');
}

/** @param {any} concept */
function conceptText(concept) {
    return concept?.text ?? concept?.coding?.find((/** @type {any} */ c) => c.display)?.display
        ?? concept?.coding?.[0]?.code ?? '—';
}

/** @param {any} quantity */
function quantityText(quantity) {
    if (typeof quantity?.value !== 'number') {
        return '';
    }
    const unit = quantity.unit ?? quantity.code ?? '';
    return `${numberFormat.format(quantity.value)}${unit && !unit.startsWith('{') ? ` ${unit}` : ''}`;
}

const SYSTOLIC = '8480-6';
const DIASTOLIC = '8462-4';

/** @param {any} component @returns {number} */
function componentOrder(component) {
    const codes = (component.code?.coding ?? []).map((/** @type {any} */ c) => c.code);
    return codes.includes(SYSTOLIC) ? 0 : codes.includes(DIASTOLIC) ? 1 : 2;
}

/** The value of an Observation, including one made of components (blood pressure: 120/80 mm[Hg]). @param {any} o */
function observationValue(o) {
    if (o.valueQuantity) {
        return quantityText(o.valueQuantity);
    }
    if (o.valueCodeableConcept) {
        return conceptText(o.valueCodeableConcept);
    }
    for (const key of ['valueString', 'valueBoolean', 'valueInteger', 'valueDateTime']) {
        if (o[key] !== undefined) {
            return String(o[key]);
        }
    }
    const components = (o.component ?? []).filter((/** @type {any} */ c) => c.valueQuantity)
        // Blood pressure reads systolic/diastolic, whatever order the server lists them in.
        .sort((/** @type {any} */ a, /** @type {any} */ b) => componentOrder(a) - componentOrder(b));
    if (components.length > 0) {
        const units = new Set(components.map((/** @type {any} */ c) => c.valueQuantity.unit));
        if (units.size === 1) {
            return components.map((/** @type {any} */ c) => numberFormat.format(c.valueQuantity.value)).join('/')
                + ` ${[...units][0]}`;
        }
        return components.map((/** @type {any} */ c) => `${conceptText(c.code)} ${quantityText(c.valueQuantity)}`)
            .join('; ');
    }
    return o.dataAbsentReason ? conceptText(o.dataAbsentReason) : '—';
}

/**
 * A table row; the cell at `header` is the row's header (what the row is about), for screen readers.
 *
 * @param {string[]} cells @param {{header?: number, numeric?: number[]}} [options] @returns {HTMLTableRowElement}
 */
function row(cells, { header = 0, numeric = [] } = {}) {
    const tr = document.createElement('tr');
    cells.forEach((text, index) => {
        const cell = document.createElement(index === header ? 'th' : 'td');
        if (index === header) {
            cell.setAttribute('scope', 'row');
        }
        if (numeric.includes(index)) {
            cell.className = 'num';
        }
        cell.textContent = text;
        tr.append(cell);
    });
    return tr;
}

/** @param {HTMLElement} body @param {number} columns @param {string} text */
function placeholderRow(body, columns, text) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = columns;
    td.className = 'placeholder';
    td.textContent = text;
    tr.append(td);
    body.replaceChildren(tr);
}

// ------------------------------------------------------------------------------------------------------- the record

/**
 * One paged Observation table: the first page from a search, the next ones from the Bundle's `next` link (which the
 * BFF has rewritten to point at its own /fhir).
 */
class ObservationTable {
    /**
     * @param {{label: string, search: string, body: string, caption: string, next: string, first: string}} ids
     */
    constructor({ label, search, body, caption, next, first }) {
        this.label = label;
        this.search = search;
        this.body = byId(body);
        this.caption = byId(caption);
        this.next = byId(next);
        this.first = byId(first);
        /** @type {string | null} */
        this.nextUrl = null;
        this.page = 1;
        this.busy = false;
        this.next.addEventListener('click', () => this.load(this.nextUrl, this.page + 1));
        this.first.addEventListener('click', () => this.load(this.search, 1));
    }

    /** @param {string | null} url @param {number} page */
    async load(url, page) {
        if (!url || this.busy) {
            return;
        }
        this.busy = true;
        this.next.setAttribute('aria-disabled', 'true');
        this.body.setAttribute('aria-busy', 'true');
        try {
            const bundle = await fhir(url);
            const resources = (bundle?.entry ?? []).map((/** @type {any} */ e) => e.resource)
                .filter((/** @type {any} */ r) => r?.resourceType === 'Observation');
            this.page = page;
            this.nextUrl = nextPage(bundle);
            const total = typeof bundle?.total === 'number' ? ` of ${bundle.total}` : '';
            this.caption.textContent = `${this.label}, newest first: page ${page}${total ? ` (${resources.length} shown${total})` : ''}`;
            if (resources.length === 0) {
                placeholderRow(this.body, 3, `No ${this.label.toLowerCase()} recorded.`);
            } else {
                this.body.replaceChildren(...resources.map((/** @type {any} */ o) => row(
                    [formatDate(o.effectiveDateTime ?? o.effectivePeriod?.start ?? o.issued), conceptText(o.code),
                        observationValue(o)], { header: 1, numeric: [2] })));
            }
            if (page > 1) {
                announce(`${this.label}: page ${page} shown.`);
            }
        } catch (error) {
            this.nextUrl = null;
            placeholderRow(this.body, 3, `Could not load ${this.label.toLowerCase()}.`);
            showError(this.label, error);
        } finally {
            this.busy = false;
            this.body.removeAttribute('aria-busy');
            // aria-disabled rather than disabled: a focused button stays focused (and keyboard users keep their place).
            this.next.setAttribute('aria-disabled', String(!this.nextUrl));
            this.next.title = this.nextUrl ? '' : 'This is the last page';
            this.first.hidden = this.page <= 1;
        }
    }
}

/** @param {string} patientId */
async function showPatient(patientId) {
    const patient = await fhir(`Patient/${encodeURIComponent(patientId)}`);
    byId('patient-name').textContent = patientName(patient);
    byId('patient-gender').textContent = patient.gender
        ? patient.gender.charAt(0).toUpperCase() + patient.gender.slice(1) : 'Unknown';
    byId('patient-birth-date').textContent = patient.birthDate
        ? `${formatDate(patient.birthDate)} (${age(patient.birthDate)} years)` : 'Unknown';
    byId('patient-id').textContent = patient.id ?? patientId;
    byId('patient-banner').hidden = false;
}

/**
 * @param {string} label @param {string} search @param {string} bodyId
 * @param {(resource: any) => string[]} cells
 */
async function showList(label, search, bodyId, cells) {
    const body = byId(bodyId);
    try {
        const bundle = await fhir(search);
        const resources = (bundle?.entry ?? []).map((/** @type {any} */ e) => e.resource).filter(Boolean);
        if (resources.length === 0) {
            placeholderRow(body, 3, `No ${label.toLowerCase()} recorded.`);
        } else {
            body.replaceChildren(...resources.map((/** @type {any} */ r) => row(cells(r))));
        }
    } catch (error) {
        placeholderRow(body, 3, `Could not load ${label.toLowerCase()}.`);
        showError(label, error);
    }
}

/** @param {import('/smart-bff/smart-bff.js').SmartSession} who */
async function showRecord(who) {
    byId('user-name').textContent = who.name ?? 'an unnamed user';
    byId('user-ref').textContent = who.fhirUser ? `(${who.fhirUser})` : '';
    // Each tab shows its own launch's patient: smart-bff.js sends this tab's launch handle with every call.
    byId('context-patient').textContent = who.patient ?? 'none';
    byId('account').hidden = false;
    byId('signed-out').hidden = true;
    byId('record').hidden = false;

    const patientId = who.patient;
    if (!patientId) {
        byId('no-patient-note').hidden = false;
        byId('patient-data').hidden = true;
        announce('Signed in. No patient is in context.');
        return;
    }
    const id = encodeURIComponent(patientId);
    const vitals = new ObservationTable({ label: 'Vital signs', body: 'vitals-body', caption: 'vitals-caption',
        next: 'next-page', first: 'vitals-first-page',
        search: `Observation?patient=${id}&category=vital-signs&_sort=-date&_count=10` });
    const labs = new ObservationTable({ label: 'Laboratory results', body: 'labs-body', caption: 'labs-caption',
        next: 'labs-next-page', first: 'labs-first-page',
        search: `Observation?patient=${id}&category=laboratory&_sort=-date&_count=10` });

    // need_patient_banner false: the EHR frames the app and shows its own banner.
    const banner = who.need_patient_banner === false
        ? Promise.resolve().then(() => { byId('no-banner-note').hidden = false; })
        : showPatient(patientId).catch((error) => showError('Patient', error));
    await Promise.all([
        banner,
        vitals.load(vitals.search, 1),
        labs.load(labs.search, 1),
        showList('Conditions', `Condition?patient=${id}`, 'conditions-body', (c) => [
            conceptText(c.code), conceptText(c.clinicalStatus), formatDate(c.onsetDateTime ?? c.recordedDate)]),
        showList('Medications', `MedicationRequest?patient=${id}`, 'medications-body', (m) => [
            conceptText(m.medicationCodeableConcept ?? m.medicationReference), m.status ?? '—',
            formatDate(m.authoredOn)]),
    ]);
    announce(byId('errors').hidden ? 'Patient record loaded.' : 'Patient record loaded, with errors (see above).');
}

/** Takes the patient's data out of the page, not just out of sight. */
function forgetRecord() {
    for (const id of ['vitals-body', 'labs-body', 'conditions-body', 'medications-body']) {
        byId(id).replaceChildren();
    }
    for (const id of ['patient-name', 'patient-gender', 'patient-birth-date', 'patient-id', 'user-name', 'user-ref',
        'context-patient']) {
        byId(id).textContent = '';
    }
    byId('patient-banner').hidden = true;
}

function showSignedOut(/** @type {string} */ message) {
    forgetRecord();
    byId('account').hidden = true;
    byId('record').hidden = true;
    byId('signed-out').hidden = false;
    announce(message);
}

// ---------------------------------------------------------------------------------------------------------- startup

byId('login-button').addEventListener('click', () => {
    announce('Taking you to sign in…');
    login();
});

/** @param {boolean} all whether to end the launches of every tab, not only this one */
async function logOut(all) {
    clearErrors();
    try {
        await logout({ all });
        showSignedOut(all ? 'You are logged out in every tab.' : 'You are logged out.');
        byId('login-button').focus();
    } catch (error) {
        showError('Log out', error);
    }
}

byId('logout-button').addEventListener('click', () => logOut(false));
byId('logout-all-button').addEventListener('click', () => logOut(true));

async function start() {
    if (isEhrLaunch()) {
        announce('Connecting to your EHR…');
        continueEhrLaunch();
        return;
    }
    try {
        const who = await session();
        if (!who) {
            showSignedOut('You are not signed in.');
            return;
        }
        announce('Loading the patient record…');
        await showRecord(who);
    } catch (error) {
        announce('Could not check your session.');
        showError('Session', error);
    }
}

start();
