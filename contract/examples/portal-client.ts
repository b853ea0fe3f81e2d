/**
 * A small typed client over the generated contract types (generated/portal.d.ts, from openapi/openapi.json by
 * openapi-typescript): sign in, search members, create a prospect, read a problem document's `code`.
 *
 * `make contract` compiles it with `tsc --strict --noEmit`; it is never run there. Every request and response
 * type below comes from the contract, so a contract change that would break an SPA breaks this build.
 */
import type { components, operations } from "../generated/portal";

type Schemas = components["schemas"];
export type Problem = Schemas["Problem"];

type SignInForm = NonNullable<operations["signIn"]["requestBody"]>["content"]["application/x-www-form-urlencoded"];
type Token = operations["signIn"]["responses"][200]["content"]["application/json"];
/** The token endpoint's problems also carry the RFC 6749 `error` member. */
type TokenProblem = operations["signIn"]["responses"][401]["content"]["application/problem+json"];
type MemberQuery = NonNullable<operations["searchMembers"]["parameters"]["query"]>;
type MemberPage = operations["searchMembers"]["responses"][200]["content"]["application/json"];
type MemberRow = Schemas["MemberSearchRow"];
type NewProspect = operations["createProspect"]["requestBody"]["content"]["application/json"];
type CreatedProspect = operations["createProspect"]["responses"][201]["content"]["application/json"];
type ProspectProblem = operations["createProspect"]["responses"][422]["content"]["application/problem+json"];

/** A non-2xx answer: the problem document (RFC 9457) with its stable `code`. */
export class ApiError<P extends Problem = Problem> extends Error {
  constructor(
    readonly status: number,
    readonly problem: P,
  ) {
    super(`${problem.status} ${problem.code}: ${problem.detail}`);
  }
}

/** A refused sign-in: the problem has `code` and the OAuth 2.0 `error` (`invalid_grant`, `mfa_required`, ...). */
export class SignInError extends ApiError<TokenProblem> {}

/** Query values as the API reads them; absent and null values are left out. */
function toSearch(values: Record<string, string | number | boolean | null | undefined>): URLSearchParams {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined && value !== null) search.set(name, String(value));
  }
  return search;
}

export class PortalClient {
  private accessToken: string | null = null;

  /** `baseUrl` is the contract's server (PORTAL_PUBLIC_BASE_URL), e.g. https://producers.example.com */
  constructor(private readonly baseUrl: string) {}

  private async call<T>(method: string, path: string, init: { body?: BodyInit; type?: string } = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json, application/problem+json" };
    if (init.type !== undefined) headers["Content-Type"] = init.type;
    if (this.accessToken !== null) headers.Authorization = `Bearer ${this.accessToken}`;
    const response = await fetch(`${this.baseUrl}${path}`, { method, headers, body: init.body });
    if (!response.ok) throw new ApiError(response.status, (await response.json()) as Problem);
    return (await response.json()) as T;
  }

  /** POST /api/v1/auth/token (OAuth 2.0 password grant, form-encoded): only username and password are needed. */
  async signIn(username: string, password: string): Promise<Token> {
    const form: SignInForm = { grant_type: "password", username, password }; // scope, device_token: optional
    let token: Token;
    try {
      token = await this.call<Token>("POST", "/api/v1/auth/token", {
        body: toSearch(form),
        type: "application/x-www-form-urlencoded",
      });
    } catch (error) {
      // Every problem of this operation is a TokenProblem (the contract says so for each status).
      if (error instanceof ApiError) throw new SignInError(error.status, error.problem as TokenProblem);
      throw error;
    }
    // Always present in the answer (required in the contract), so no `?? default` is needed:
    const tokenType: string = token.token_type;
    const mustChangePassword: boolean = token.must_change_password;
    if (tokenType.toLowerCase() !== "bearer" || mustChangePassword) {
      throw new Error("sign in on the portal first: the password must be changed");
    }
    this.accessToken = token.access_token;
    return token;
  }

  /** GET /api/v1/members: one page of the producer's book matching the query. */
  async searchMembers(query: MemberQuery): Promise<MemberPage> {
    return this.call<MemberPage>("GET", `/api/v1/members?${toSearch(query).toString()}`);
  }

  /** POST /api/v1/prospects: only the required fields; the rest (create_proposal included) have defaults. */
  async createProspect(prospect: NewProspect): Promise<CreatedProspect> {
    return this.call<CreatedProspect>("POST", "/api/v1/prospects", {
      body: JSON.stringify(prospect),
      type: "application/json",
    });
  }
}

/** The example flow; a problem's `code` decides what the user is told. */
export async function example(baseUrl: string): Promise<string[]> {
  const client = new PortalClient(baseUrl);
  const lines: string[] = [];
  try {
    const token = await client.signIn("demoagent", "Demo1234");
    lines.push(`signed in, token valid ${token.expires_in} s`);
  } catch (error) {
    if (error instanceof SignInError) {
      const problem: TokenProblem = error.problem;
      lines.push(`sign-in refused: ${problem.code} (OAuth error ${problem.error})`);
      return lines;
    }
    throw error;
  }

  const page = await client.searchMembers({ last_name: "Tes", page: 1, page_size: 20 });
  const rows: MemberRow[] = page.items;
  for (const row of rows) {
    lines.push(`${row.account_number} ${row.last_name}, ${row.first_name} (${row.status})`);
  }
  lines.push(`${rows.length} of ${page.total} members`);

  try {
    const created = await client.createProspect({
      first_name: "Jessica",
      last_name: "Tester",
      state: "IL",
      zip_code: "60601",
    });
    const proposal: Record<string, unknown> | null = created.proposal; // required, null unless asked for
    lines.push(`prospect ${created.id} created ${created.created_at}${proposal === null ? "" : " with a proposal"}`);
  } catch (error) {
    if (!(error instanceof ApiError)) throw error;
    const problem: ProspectProblem = error.problem;
    const fields = (problem.errors ?? []).map((e) => `${e.field}: ${e.code}`);
    lines.push(`prospect refused: ${problem.code} ${fields.join("; ")}`);
  }
  return lines;
}
