/** Types for @tryghost/content-api (plain JavaScript): what the Content API client test uses of it. */
declare module '@tryghost/content-api' {
  export interface Params {
    readonly filter?: string;
    readonly include?: string;
    readonly fields?: string;
    readonly formats?: string;
    readonly limit?: number | 'all';
    readonly page?: number;
    readonly order?: string;
  }
  export type GhostObject = Record<string, unknown>;
  export type GhostList = GhostObject[] & {
    readonly meta: { readonly pagination: Record<string, unknown> };
  };
  interface Resource {
    browse(params?: Params): Promise<GhostList>;
    read(data: { readonly id: string } | { readonly slug: string }, params?: Params): Promise<GhostObject>;
  }
  export interface ContentApi {
    readonly posts: Resource;
    readonly pages: Resource;
    readonly tags: Resource;
    readonly authors: Resource;
    readonly settings: { browse(): Promise<GhostObject> };
  }
  export default function GhostContentAPI(options: {
    readonly url: string;
    readonly key: string;
    readonly version: string | boolean;
  }): ContentApi;
}
