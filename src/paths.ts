import { PathExt } from '@jupyterlab/coreutils';

/**
 * Whether a path can run as a job: a notebook or a Python script.
 */
export function isRunnablePath(path: string | null | undefined): boolean {
  if (!path) {
    return false;
  }
  const ext = PathExt.extname(path).toLowerCase();
  return ext === '.ipynb' || ext === '.py';
}

/**
 * Whether an output path lies inside the server root (the API gives it
 * relative then, and absolute otherwise).
 */
export function isInsideRoot(outputPath: string): boolean {
  return !outputPath.startsWith('/') && !/^[A-Za-z]:[\\/]/.test(outputPath);
}
