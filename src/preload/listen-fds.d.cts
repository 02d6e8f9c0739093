// Types for the launcher, which shares this protocol code with the preload.
export declare const SD_LISTEN_FDS_START: 3;
export declare function listenFds(env: NodeJS.ProcessEnv, pid: number): Array<{ fd: number; name: string }>;
